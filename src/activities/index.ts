import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import { getEnvironment, sshTargetOf } from '../db/environments';
import * as executions from '../db/executions';
import * as slots from '../db/slots';
import { MigratorError } from '../errors';
import type { Logger } from '../logger';
import type { SshTarget } from '../ssh/connection';
import type { SshPool } from '../ssh/sshPool';
import type { ExecutionOutcome, ExecutionPlan, RunResult } from '../workflows/types';
import { loadExecutionContext, runSpecOf } from './context';
import { withFailureMapping } from './failures';
import { createRetentionActivities } from './retention';
import { runScript } from './runScript';
import { killRun } from '../ssh/remoteRun';
import { checkRunnable } from './validateScript';

export interface ActivityDeps {
  pool: Pool;
  logger: Logger;
  killGraceSeconds: number;
  /** Wakes queued executions when a slot frees; without it they notice by polling. */
  temporal?: Client;
  /** SSH connections shared by every activity of this worker, one per host and credentials. */
  ssh: SshPool;
}

/** Builds the activities of `migrationExecution` around their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { pool, ssh } = deps;

  async function targetOf(environmentId: string): Promise<SshTarget> {
    const env = await getEnvironment(pool, environmentId);
    if (!env) throw new MigratorError('NOT_FOUND', `Environment ${environmentId} no longer exists.`);
    return sshTargetOf(env);
  }

  /** Signals the next queued executions of the environment that a slot may be free, or that they moved up. */
  async function wakeQueued(executionId: string): Promise<void> {
    if (!deps.temporal) return;
    const execution = await executions.getExecution(pool, executionId);
    const env = execution && (await getEnvironment(pool, execution.environmentId));
    if (!env) return;
    const waiting = await slots.nextQueued(pool, env.id, env.maxConcurrency);
    const results = await Promise.allSettled(waiting.map((workflowId) => deps.temporal!.workflow.getHandle(workflowId).signal('slotFreed')));
    for (const [i, result] of results.entries()) {
      // Not fatal: the queued workflow also polls for its slot.
      if (result.status === 'rejected') deps.logger.warn({ workflowId: waiting[i], err: result.reason }, 'could not wake a queued execution');
    }
  }

  return withFailureMapping({
    ...createRetentionActivities({ pool, ssh }),

    /** Loads job and environment, re-validates the params and returns the plan (no secrets). */
    async prepareExecution(executionId: string): Promise<ExecutionPlan> {
      // The API starts the workflow inside the transaction that inserts the row, so a fast
      // worker can get here before the commit: worth a retry, not a failure.
      if (!(await executions.getExecution(pool, executionId))) {
        throw new MigratorError('UNAVAILABLE', `Execution ${executionId} is not in the database yet; its start may not have committed.`);
      }
      const ctx = await loadExecutionContext(pool, executionId);
      return {
        executionId,
        jobName: ctx.job.name,
        environmentName: ctx.environment.name,
        production: ctx.environment.production,
        scriptPath: ctx.job.scriptPath,
        interpreter: ctx.job.interpreter,
        argv: ctx.argv,
        timeoutSeconds: ctx.job.timeoutSeconds,
        startedBy: ctx.execution.startedBy,
        needsApproval: ctx.execution.status === 'awaiting_approval',
        approvalTimeoutSeconds: ctx.environment.approvalTimeoutSeconds,
      };
    },

    /** A second operator approved: the execution joins the queue for a slot. */
    async recordApproval(executionId: string, approvedBy: string): Promise<void> {
      await executions.recordApproval(pool, executionId, approvedBy);
    },

    /** Takes a run slot on the environment if this execution is next in line (FIFO). */
    async acquireSlot(executionId: string): Promise<slots.SlotAnswer> {
      const answer = await slots.acquireSlot(pool, executionId);
      // The next in line may have asked while this one was still queued ahead of it.
      if (answer.acquired) await wakeQueued(executionId);
      return answer;
    },

    /**
     * A production environment runs only when its name was typed back in `confirmProduction`
     * and another operator approved; checked again here against the environment as it is now.
     */
    async checkProductionSafety(executionId: string): Promise<void> {
      const { environment, execution } = await loadExecutionContext(pool, executionId);
      if (!environment.production) return;
      if (execution.confirmProduction !== environment.name) {
        throw new MigratorError(
          'PRODUCTION_CONFIRMATION_REQUIRED',
          `"${environment.name}" is a production environment: start the execution again with confirmProduction set to "${environment.name}".`,
        );
      }
      if (!execution.approvedBy || execution.approvedBy === execution.startedBy) {
        throw new MigratorError(
          'FORBIDDEN',
          `"${environment.name}" became a production environment after this execution started, so nobody approved it; start it again to ask for an approval.`,
        );
      }
    },

    /** Connects with the pinned host key and checks the script, interpreter and tools on the host. */
    async validateScript(executionId: string): Promise<void> {
      const ctx = await loadExecutionContext(pool, executionId);
      await executions.markRunning(pool, executionId);
      const session = await ssh.session(sshTargetOf(ctx.environment));
      await checkRunnable(session, runSpecOf(ctx), `${ctx.environment.host} (environment "${ctx.environment.name}")`);
    },

    async runScript(executionId: string): Promise<RunResult> {
      const { execution } = await loadExecutionContext(pool, executionId);
      return runScript(
        { pool, ssh, logger: deps.logger, killGraceSeconds: deps.killGraceSeconds },
        executionId,
        await targetOf(execution.environmentId),
      );
    },

    /**
     * Kills the run's process group if it is still alive. The workflow calls it after a
     * cancellation that `runScript` could not carry out itself (its worker was down, so the
     * attempt timed out instead), so a cancel always ends with the process dead.
     */
    async stopRun(executionId: string): Promise<{ killed: boolean }> {
      // The usual case: runScript heard the cancel and already confirmed the group dead.
      if (await executions.remoteStopped(pool, executionId)) return { killed: false };
      const { execution } = await loadExecutionContext(pool, executionId);
      const session = await ssh.session(await targetOf(execution.environmentId));
      const result = await killRun(session, executionId, deps.killGraceSeconds);
      await executions.markRemoteStopped(pool, executionId);
      return result;
    },

    /** Records the outcome; idempotent, so a retry or a late duplicate changes nothing. */
    async finalizeExecution(outcome: ExecutionOutcome): Promise<void> {
      await executions.finalizeExecution(pool, {
        id: outcome.executionId,
        status: outcome.status,
        exitCode: outcome.exitCode ?? null,
        errorCode: (outcome.errorCode ?? null) as executions.Execution['errorCode'],
        errorMessage: outcome.errorMessage ?? null,
        rejectedBy: outcome.rejectedBy ?? null,
      });
      await wakeQueued(outcome.executionId);
    },
  });
}

export type Activities = ReturnType<typeof createActivities>;
