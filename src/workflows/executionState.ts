import { setCurrentDetails, setHandler } from '@temporalio/workflow';

import { progressPercent } from '../model/execution';
import { approvalDecidedSignal, progressQuery, runProgressSignal, slotFreedSignal } from './messages';
import type { ExecutionResume, Phase, RunProgress } from './types';

/**
 * What one run of `migrationExecution` knows of its execution, and the handlers that feed it:
 * phase and status for the `progress` query and the Temporal UI's current details, the run's
 * counts, and how many nudges (`slotFreed`, `approvalDecided`) arrived. The handlers are
 * synchronous, so a run can always hand over to the next without waiting for one.
 */
export class ExecutionState {
  phase: Phase = 'preparing';
  status = 'queued';
  queuePosition: number | null;
  run: RunProgress;
  wakeUps = 0;
  decisionNudges = 0;
  /** Runs of this execution before this one. */
  readonly continued: number;

  constructor(resume?: ExecutionResume) {
    this.queuePosition = resume?.queuePosition ?? null;
    this.run = resume?.run ?? { lines: 0, done: null, total: null };
    this.continued = resume?.continued ?? 0;
  }

  listen(): void {
    setHandler(progressQuery, () => ({
      phase: this.phase,
      status: this.status,
      queuePosition: this.queuePosition,
      ...this.run,
      percent: progressPercent(this.run.done, this.run.total),
    }));
    setHandler(runProgressSignal, (progress) => this.recordRun(progress));
    setHandler(slotFreedSignal, () => {
      this.wakeUps += 1;
    });
    setHandler(approvalDecidedSignal, () => {
      this.decisionNudges += 1;
    });
  }

  enter(phase: Phase): void {
    this.phase = phase;
    this.describe();
  }

  /** Executions ahead of this one while it waits for a slot; null once it has one. */
  queuedBehind(position: number | null): void {
    this.queuePosition = position;
    this.describe();
  }

  /** Signals and results can arrive out of order after a retry; lines only grow. */
  recordRun(progress: RunProgress | undefined): void {
    if (!progress || progress.lines < this.run.lines) return;
    this.run = progress;
    this.describe();
  }

  /** Where this run stands, for the next run to start from. */
  resumeAt(phase: ExecutionResume['phase'], plan: ExecutionResume['plan']): ExecutionResume {
    return { phase, plan, run: this.run, queuePosition: this.queuePosition, continued: this.continued + 1 };
  }

  /** The run's current details in the Temporal UI: counts and phase, never log text. */
  private describe(): void {
    const parts = [`${this.phase}`];
    if (this.phase === 'running' || this.run.lines > 0) parts.push(`${this.run.lines} lines stored`);
    const percent = progressPercent(this.run.done, this.run.total);
    if (percent !== null) parts.push(`${percent}% (${this.run.done}/${this.run.total})`);
    if (this.queuePosition !== null && this.phase === 'queued') parts.push(`${this.queuePosition} ahead in the queue`);
    // The summary and details given at the start belong to the first run only.
    if (this.continued > 0) parts.push(`continued as new ${this.continued} time${this.continued === 1 ? '' : 's'}; the first run shows the start`);
    setCurrentDetails(parts.join(' · '));
  }
}
