import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';

import { sshTargetOfSnapshot } from '../activities/context';
import * as executions from '../db/executions';
import { coerceError } from '../errors';
import type { Logger } from '../logger';
import { announceExecutionStatus } from '../notifications/announce';
import type { NotificationSettings } from '../notifications/settings';
import { killRun } from '../ssh/remoteRun';
import type { SshPool } from '../ssh/sshPool';
import { wakeQueued } from './queue';

export interface ReconcilerDeps {
  /** Announces the executions it ends (`execution.failed`, LOST) to notification targets. */
  notifications?: NotificationSettings;
  pool: Pool;
  temporal: Client;
  ssh: SshPool;
  logger: Logger;
  killGraceSeconds: number;
  /** A row whose workflow start is pending is left alone this long: the API gives a start 10 s. */
  startGraceMs?: number;
  /** Rounds a run that cannot be reached is retried before the execution is ended anyway. */
  killAttempts?: number;
}

export interface ReconcileReport {
  /** Executions ended LOST this round. */
  ended: string[];
  /** Rows whose pending start turned out to have a running workflow. */
  confirmedStarts: string[];
  /** Ended executions whose run was confirmed gone this round. */
  stopped: string[];
}

const lockKey = 'migrator-execution-reconciler';
/** Hosts that stay unreachable must not make a round long: at most this many are tried per round. */
const pendingStopsPerRound = 20;

/**
 * Nothing stays active without a workflow behind it. Finds queued, awaiting and running
 * executions whose workflow is closed (terminated, timed out, or ended without recording its
 * outcome) or missing, kills their run on the host if one is alive, and ends them `failed`
 * with LOST, which frees their slot and the job's one-active rule. Rows whose workflow start is
 * still pending are left alone, so it never races a start. One worker at a time does a round
 * (an advisory lock); every step is idempotent anyway.
 */
export class ExecutionReconciler {
  private readonly unreachable = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcileOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { ended: [], confirmedStarts: [], stopped: [] };
    const lock = await this.deps.pool.connect();
    let broken = false;
    lock.on('error', () => {
      broken = true;
    });
    try {
      await lock.query('begin');
      const { rows } = await lock.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [lockKey]);
      if (!rows[0]?.ok) return report;
      for (const execution of await executions.listActiveExecutions(this.deps.pool)) {
        try {
          await this.reconcile(execution, report);
        } catch (err) {
          this.deps.logger.warn({ err: coerceError(err), executionId: execution.id }, 'could not reconcile an execution; trying again next round');
        }
      }
      for (const execution of await executions.listPendingStops(this.deps.pool, pendingStopsPerRound)) {
        if (await this.stopRun(execution)) report.stopped.push(execution.id);
      }
      return report;
    } finally {
      await lock.query('commit').catch(() => undefined);
      lock.release(broken);
    }
  }

  /** Runs a round every `intervalMs` until stopped; a failed round is logged and the next one tries again. */
  start(intervalMs: number): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() =>
        this.reconcileOnce().catch((err: unknown) => this.deps.logger.warn({ err: coerceError(err) }, 'execution reconciler round failed')),
      );
    }, intervalMs);
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  private async reconcile(execution: executions.Execution, report: ReconcileReport): Promise<void> {
    const pendingStart = execution.workflowStartedAt === null;
    if (pendingStart && Date.now() - execution.createdAt.getTime() < (this.deps.startGraceMs ?? 60_000)) return;
    const workflow = await this.workflowState(execution.workflowId);
    if (workflow === 'RUNNING') {
      if (pendingStart) {
        await executions.markWorkflowStarted(this.deps.pool, execution.id);
        report.confirmedStarts.push(execution.id);
      }
      return;
    }
    // Look again: the workflow may have recorded its outcome just before it closed.
    const current = await executions.getExecution(this.deps.pool, execution.id);
    if (!current || current.finishedAt) return;

    let stopped = 'nothing was running on the host';
    if (current.status === 'running' && current.targetSnapshot) {
      try {
        const session = await this.deps.ssh.session(sshTargetOfSnapshot(current.targetSnapshot));
        const { killed } = await killRun(session, current.id, this.deps.killGraceSeconds);
        await executions.markRemoteStopped(this.deps.pool, current.id);
        this.unreachable.delete(current.id);
        stopped = killed ? 'its run on the host was killed' : 'its run on the host had already ended';
      } catch (err) {
        const attempts = (this.unreachable.get(current.id) ?? 0) + 1;
        this.unreachable.set(current.id, attempts);
        if (attempts < (this.deps.killAttempts ?? 5)) {
          this.deps.logger.warn({ err: coerceError(err), executionId: current.id, attempts }, 'could not reach the host to stop an orphaned run; trying again next round');
          return;
        }
        this.unreachable.delete(current.id);
        stopped = `its run on the host could not be stopped (${coerceError(err).message}); check ${current.targetSnapshot.host} for it`;
      }
    }
    const why = workflow === 'MISSING' ? (pendingStart ? 'was never started' : 'no longer exists in Temporal') : `ended ${workflow.toLowerCase()} without recording an outcome`;
    await executions.finalizeExecution(this.deps.pool, {
      id: current.id,
      status: 'failed',
      errorCode: 'LOST',
      errorMessage: `The workflow of this execution ${why}; ${stopped}.`,
    });
    report.ended.push(current.id);
    if (this.deps.notifications) {
      await announceExecutionStatus({ pool: this.deps.pool, temporal: this.deps.temporal, settings: this.deps.notifications }, current.id).catch((err: unknown) => {
        this.deps.logger.error({ err: coerceError(err), executionId: current.id }, 'could not announce an execution the reconciler ended');
      });
    }
    this.deps.logger.warn({ executionId: current.id, workflow, stopped }, 'ended an execution whose workflow is gone');
    await wakeQueued(this.deps, current.environmentId);
  }

  /** Kills the run of an execution that ended on a fault before its run was confirmed gone. */
  private async stopRun(execution: executions.Execution): Promise<boolean> {
    if (!execution.targetSnapshot) {
      await executions.clearPendingStop(this.deps.pool, execution.id);
      return false;
    }
    try {
      const session = await this.deps.ssh.session(sshTargetOfSnapshot(execution.targetSnapshot));
      await killRun(session, execution.id, this.deps.killGraceSeconds);
      await executions.clearPendingStop(this.deps.pool, execution.id);
      this.deps.logger.info({ executionId: execution.id }, 'stopped the run of an ended execution');
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: coerceError(err), executionId: execution.id }, 'still cannot stop the run of an ended execution; trying again next round');
      return false;
    }
  }

  private async workflowState(workflowId: string): Promise<string> {
    try {
      const description = await this.deps.temporal.workflow.getHandle(workflowId).describe();
      return description.status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'MISSING';
      throw err;
    }
  }
}
