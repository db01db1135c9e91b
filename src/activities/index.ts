import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import * as executions from '../db/executions';
import * as slots from '../db/slots';
import { wakeQueued } from '../executions/queue';
import { isSecondPerson, requireProductionConfirmation } from '../executions/rules';
import { isFinalStatus } from '../model/execution';
import { MigratorError } from '../errors';
import type { Logger } from '../logger';
import { createCommitGate } from '../logs/commitGate';
import { checkRunnable } from '../ssh/checkRunnable';
import { killRun } from '../ssh/remoteRun';
import type { SshPool } from '../ssh/sshPool';
import type { ApprovalState, ExecutionOutcome, ExecutionPlan, RunScriptResult, RunSegmentOptions } from '../workflows/types';
import { loadActiveExecutionContext, loadExecutionContext, runSpecOf, sshTargetOfSnapshot } from './context';
import { announceExecutionStatus } from '../notifications/announce';
import type { NotificationSettings } from '../notifications/settings';
import { announceArrival, announcingArrival } from './arrival';
import { createEnvironmentCheckActivities } from './environmentCheck';
import { withFailureMapping } from './failures';
import { createNotificationActivities } from './notifications';
import { createRetentionActivities } from './retention';
import { runScript } from './runScript';
import { createScheduleActivities } from './scheduledRun';

export interface ActivityDeps {
  pool: Pool;
  logger: Logger;
  killGraceSeconds: number;
  /** Wakes queued executions when a slot frees; without it they notice by polling. */
  temporal?: Client;
  /** SSH connections shared by every activity of this worker, one per host and credentials. */
  ssh: SshPool;
  /** Webhooks: announced when an execution awaits approval or ends, and delivered. Off without it (and without `temporal`). */
  notifications?: NotificationSettings;
  /** How often a scheduled run reads its execution's row while it waits for the end (2 s by default). */
  schedulePollMs?: number;
}

/** Builds the activities of `migrationExecution` around their dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { pool, ssh } = deps;
  // 4 of the pool's 10 connections at most for log commits: the rest stays for the steps that start, check and end runs.
  const logCommits = createCommitGate(4);

  // Idempotent (one delivery workflow per event and target), so every step that sees a change may announce it.
  const announce = async (executionId: string): Promise<void> => {
    if (deps.notifications && deps.temporal) await announceExecutionStatus({ pool, temporal: deps.temporal, settings: deps.notifications }, executionId);
  };

  const approvalStateOf = async (executionId: string): Promise<ApprovalState> => {
    const execution = await executions.getExecution(pool, executionId);
    if (!execution) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist in the database.`);
    // Rejected by the API or expired: the workflow ends without finalizeExecution, so the end is announced here.
    if (isFinalStatus(execution.status)) await announce(executionId);
    return { status: execution.status, errorCode: execution.errorCode, errorMessage: execution.errorMessage };
  };

  return withFailureMapping({
    ...createRetentionActivities({ pool, ssh }),
    ...createEnvironmentCheckActivities({ pool, ssh, logger: deps.logger }),
    ...notificationActivities(deps),
    ...createScheduleActivities({ pool, logger: deps.logger, temporal: deps.temporal, schedulePollMs: deps.schedulePollMs, notifications: deps.notifications }),

    /** Follows the run (starting it the first time) to its end, or for `options.segmentSeconds` at most. */
    async runScript(executionId: string, options: RunSegmentOptions = {}): Promise<RunScriptResult> {
      // Heartbeats from the first moment (see arrival.ts) until the run's own heartbeats take over.
      const arrival = announceArrival();
      try {
        const { target } = await loadActiveExecutionContext(pool, executionId);
        return await runScript(
          { pool, ssh, logger: deps.logger, killGraceSeconds: deps.killGraceSeconds, logCommits, arrival },
          executionId,
          sshTargetOfSnapshot(target),
          options,
        );
      } finally {
        arrival.stop();
      }
    },

    ...announcingArrival({
      /** Loads the execution's snapshot, re-validates the params and returns the plan (no secrets). */
      async prepareExecution(executionId: string): Promise<ExecutionPlan> {
        // The API commits the row before it starts the workflow; a workflow started by hand (or
        // a start that raced) may get here first: worth a retry, not a failure.
        if (!(await executions.getExecution(pool, executionId))) {
          throw new MigratorError('UNAVAILABLE', `Execution ${executionId} is not in the database yet; its start may not have committed.`);
        }
        const ctx = await loadExecutionContext(pool, executionId);
        if (ctx.execution.status === 'awaiting_approval') await announce(executionId);
        return {
          executionId,
          jobName: ctx.job.name,
          environmentName: ctx.target.environmentName,
          production: ctx.execution.approvalDeadline !== null,
          scriptPath: ctx.job.scriptPath,
          interpreter: ctx.job.interpreter,
          argumentCount: ctx.argv.length,
          timeoutSeconds: ctx.job.timeoutSeconds,
          startedBy: ctx.execution.startedBy,
          needsApproval: ctx.execution.approvalDeadline !== null,
          approvalDeadline: ctx.execution.approvalDeadline?.getTime() ?? null,
          alreadyEnded: ctx.execution.finishedAt !== null,
          endedAs: ctx.execution.finishedAt ? { status: ctx.execution.status, errorCode: ctx.execution.errorCode } : null,
        };
      },

      /** What the execution's row says now: approved (`queued`), rejected, expired, or still awaiting. */
      async readApproval(executionId: string): Promise<ApprovalState> {
        return approvalStateOf(executionId);
      },

      /** The deadline passed: fails the execution unless an approval or a rejection won first, and returns what the row says. */
      async expireApproval(executionId: string): Promise<ApprovalState> {
        const execution = await executions.getExecution(pool, executionId);
        const deadline = execution?.approvalDeadline?.toISOString() ?? 'its deadline';
        const expired = await executions.expireApproval(
          pool,
          executionId,
          `Nobody but its starter approved the execution by ${deadline}; nothing was run.`,
        );
        if (expired && execution) await wakeQueued(deps, execution.environmentId);
        return approvalStateOf(executionId);
      },

      /** Takes a run slot on the environment if one is left for it after everyone queued ahead (FIFO). */
      async acquireSlot(executionId: string): Promise<{ acquired: boolean; position: number }> {
        const answer = await slots.acquireSlot(pool, executionId);
        // A grant wakes nobody: for everyone queued behind, one fewer is ahead and one fewer slot is
        // free, so who may take a slot is unchanged. A slot freed, or an execution leaving the queue
        // without one, changes it: those wake the queue (finalizeExecution, expireApproval).
        return { acquired: answer.acquired, position: answer.position };
      },

      /**
       * A production environment runs only when its name was typed back in `confirmProduction`
       * and another operator approved; checked again here against the environment as it is now.
       */
      async checkProductionSafety(executionId: string): Promise<void> {
        const { execution, target } = await loadActiveExecutionContext(pool, executionId);
        const environment = await getEnvironment(pool, execution.environmentId);
        if (!environment) throw new MigratorError('NOT_FOUND', `Environment ${execution.environmentId} no longer exists.`);
        if (!environment.production) return;
        // Typed back at the start: the name as it was then.
        requireProductionConfirmation({ name: target.environmentName, production: true }, execution.confirmProduction);
        if (!isSecondPerson(execution.startedBy, execution.approvedBy)) {
          throw new MigratorError(
            'FORBIDDEN',
            `"${environment.name}" became a production environment after this execution started, so nobody approved it; start it again to ask for an approval.`,
          );
        }
      },

      /** Connects with the pinned host key and checks the script, interpreter and tools on the host. */
      async validateScript(executionId: string): Promise<void> {
        const ctx = await loadActiveExecutionContext(pool, executionId);
        await executions.markRunning(pool, executionId);
        const session = await ssh.session(sshTargetOfSnapshot(ctx.target));
        await checkRunnable(session, runSpecOf(ctx), `${ctx.target.host} (environment "${ctx.target.environmentName}")`);
      },

      /**
       * Kills the run's process group if it is still alive. The workflow calls it after a
       * cancellation that `runScript` could not carry out itself (its worker was down, so the
       * attempt timed out instead), so a cancel always ends with the process dead.
       */
      async stopRun(executionId: string): Promise<{ killed: boolean }> {
        // The usual case: runScript heard the cancel and already confirmed the group dead.
        if (await executions.remoteStopped(pool, executionId)) return { killed: false };
        const { target } = await loadExecutionContext(pool, executionId);
        const session = await ssh.session(sshTargetOfSnapshot(target));
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
          stopPending: outcome.stopPending ?? false,
        });
        const execution = await executions.getExecution(pool, outcome.executionId);
        if (execution) await wakeQueued(deps, execution.environmentId);
        await announce(outcome.executionId);
      },
    }),
  });
}

function notificationActivities(deps: ActivityDeps): ReturnType<typeof createNotificationActivities> {
  if (deps.notifications) return createNotificationActivities({ pool: deps.pool, settings: deps.notifications });
  const off = (): never => {
    throw new MigratorError('UNAVAILABLE', 'This worker was started without notification settings; another worker delivers, or restart it with them.');
  };
  return { deliverNotification: off, abandonDelivery: off };
}

export type Activities = ReturnType<typeof createActivities>;
