/** Types shared by the workflow and its activities. Ids, params and numbers only: never secrets. */

export interface ExecutionInput {
  executionId: string;
  /** Retry budget of the steps; set by the API from its configuration. Absent: the defaults. */
  tuning?: ExecutionTuning;
}

/** How hard the workflow retries a failing step before the execution fails. */
export interface ExecutionTuning {
  /** Attempts of each step (runScript gets twice as many); finalizeExecution retries until it succeeds. */
  retryMaxAttempts?: number;
  /** The longest wait between two attempts. */
  retryMaxIntervalSeconds?: number;
  /** How often an execution awaiting approval re-reads its row in case the API's nudge was lost. */
  approvalPollSeconds?: number;
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
}

/** What the execution's row says of a production approval; the workflow acts on it. */
export interface ApprovalState {
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface RunResult {
  exitCode: number;
  lineCount: number;
}

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
