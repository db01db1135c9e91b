/** Types shared by the workflow and its activities. Ids, params and numbers only: never secrets. */

export interface ExecutionInput {
  executionId: string;
  /** Retry budget and intervals; set by the API from its configuration. Absent: the defaults. */
  tuning?: ExecutionTuning;
  /** Set when an earlier run of this execution continued as new: where it stood. */
  resume?: ExecutionResume;
}

/**
 * How hard the workflow retries a failing step, and every interval it waits on. Absent fields
 * take `tuningDefaults` below; tests pass seconds where production waits minutes.
 */
export interface ExecutionTuning {
  /** Attempts of each step (runScript gets twice as many); finalizeExecution retries until it succeeds. */
  retryMaxAttempts?: number;
  /** The longest wait between two attempts. */
  retryMaxIntervalSeconds?: number;
  /** How often an execution awaiting approval re-reads its row in case the API's nudge was lost. */
  approvalPollSeconds?: number;
  /** How often a queued execution asks for a slot without being woken, in case a `slotFreed` signal was lost. */
  queueBackstopSeconds?: number;
  /** How long one `runScript` call follows the run before it returns, so that the workflow may continue as new. */
  runSegmentSeconds?: number;
  /** At most one `runProgress` signal (a history event) per this many seconds while the output grows. */
  progressIntervalSeconds?: number;
  /** A `runScript` attempt that does not heartbeat for this long is given up on (its worker is gone, or the task never reached one). */
  heartbeatTimeoutSeconds?: number;
  /**
   * Every other step heartbeats from the moment it reaches a worker; one that has not for this
   * long never arrived (Temporal can lose a task it recorded as started) and is tried again.
   */
  deliveryTimeoutSeconds?: number;
  /** A run whose history reached this many events continues as new at its next wait (or when Temporal suggests it). */
  continueAfterEvents?: number;
}

/**
 * The intervals and budgets of an execution when the API passes none; plain data, here so that
 * tests and tools outside the sandbox can read them. Each wait of the workflow is a few history
 * events, so these set how fast a history grows: a queued or awaiting execution polls every 5
 * minutes (about 11 events each), a running one reports progress at most every 2 minutes (4
 * events each), and a history continues as new past 2,000 events.
 */
export const tuningDefaults: Required<ExecutionTuning> = {
  retryMaxAttempts: 10,
  retryMaxIntervalSeconds: 30,
  approvalPollSeconds: 300,
  queueBackstopSeconds: 300,
  runSegmentSeconds: 3600,
  progressIntervalSeconds: 120,
  heartbeatTimeoutSeconds: 10,
  deliveryTimeoutSeconds: 10,
  continueAfterEvents: 2000,
};

/**
 * What a run hands to the next when it continues as new: where the execution stands. The plan
 * and counts are already in the history of the first run; nothing else (no params) is added.
 */
export interface ExecutionResume {
  phase: 'awaiting_approval' | 'queued' | 'running';
  plan: ExecutionPlan;
  run: RunProgress;
  queuePosition: number | null;
  /** Runs of this execution before this one. */
  continued: number;
}

/** What `prepareExecution` resolved; safe to keep in history. */
export interface ExecutionPlan {
  executionId: string;
  jobName: string;
  environmentName: string;
  production: boolean;
  scriptPath: string;
  interpreter: string;
  /** How many positional arguments the script gets; their values (personal data) stay out of history. */
  argumentCount: number;
  timeoutSeconds: number;
  /** Who started it (a login): an approval must come from another person. */
  startedBy: string;
  /** The execution waits for a second person's approval before it may take a slot. */
  needsApproval: boolean;
  /** When an undecided approval fails APPROVAL_TIMEOUT, in ms since the epoch. */
  approvalDeadline: number | null;
  /** The row was already final when the workflow started (its start had been given up on): nothing runs. */
  alreadyEnded: boolean;
  /** The final status and code of such a row, for the Temporal UI. */
  endedAs?: { status: string; errorCode: string | null } | null;
}

/** What the execution's row says of a production approval; the workflow acts on it. */
export interface ApprovalState {
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
}

/** The workflow's result when the script ran to its end. */
export interface RunResult {
  exitCode: number;
  lineCount: number;
}

/** What the workflow asks of one `runScript` call. */
export interface RunSegmentOptions {
  /** Return after following the run this long, leaving it running (absent: follow it to its end). */
  segmentSeconds?: number;
  /** At most one progress signal per this many seconds. */
  progressIntervalSeconds?: number;
}

/**
 * What one `runScript` call saw: the run ended (its exit status), or the segment did and the
 * run goes on, every line so far stored. A result without `ended` comes from a worker of before
 * segments and means the run ended.
 */
export type RunScriptResult =
  | (RunResult & { ended?: true; progress?: RunProgress })
  | { ended: false; progress: RunProgress };

export interface ExecutionOutcome {
  executionId: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'rejected';
  exitCode?: number | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  rejectedBy?: string | null;
  /** The run's process group could not be confirmed gone: the reconciler keeps trying. */
  stopPending?: boolean;
}

export type Phase = 'preparing' | 'awaiting_approval' | 'queued' | 'checking' | 'validating' | 'running' | 'finalizing' | 'done';

/** Counts `runScript` reports while the script runs; never log text, which may hold secrets. */
export interface RunProgress {
  lines: number;
  /** From the script's latest `::progress <done>/<total>` line. */
  done: number | null;
  total: number | null;
}

export interface Progress extends RunProgress {
  phase: Phase;
  status: string;
  /** Executions ahead of this one while it waits for a slot. */
  queuePosition: number | null;
  percent: number | null;
}

export interface RetentionInput {
  /** Executions that finished more than this many days ago lose their logs and run directories. */
  retentionDays: number;
  /** Log lines deleted per transaction. */
  batchSize: number;
  /** Totals of the runs before a `continueAsNew`, so the last run reports the whole cleanup. */
  carried?: { linesDeleted: number; batches: number };
}

export interface RetentionResult {
  linesDeleted: number;
  batches: number;
  runDirsRemoved: number;
  /** Environments whose hosts could not be swept this time; the next run tries again. */
  sweepFailedEnvironments: string[];
}

/** The input of `scheduledRun`: the schedule's id only; the run loads its approved version from the database. */
export interface ScheduledRunInput {
  scheduleId: string;
}

/** What a scheduled run did: started an execution (and how it ended), or skipped with the reason. */
export interface ScheduledRunResult {
  outcome: 'started' | 'skipped';
  executionId: string | null;
  reasonCode: string | null;
  finalStatus?: string;
}
