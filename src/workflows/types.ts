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
}

/** What `prepareExecution` resolved; safe to keep in history. */
export interface ExecutionPlan {
  executionId: string;
  jobName: string;
  environmentName: string;
  production: boolean;
  scriptPath: string;
  interpreter: string;
  argv: string[];
  timeoutSeconds: number;
  /** Who started it: an approval must come from someone else. */
  startedBy: string;
  /** The execution waits for a second operator's approval before it may take a slot. */
  needsApproval: boolean;
  approvalTimeoutSeconds: number;
}

/** An operator's decision on a production execution, sent as a Temporal update. */
export interface ApprovalDecision {
  by: string;
  reason?: string;
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
