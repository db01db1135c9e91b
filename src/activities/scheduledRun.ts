import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import { announceScheduleAwaitingApproval, announceScheduleRunSkipped } from '../notifications/announceSchedule';
import type { NotificationSettings } from '../notifications/settings';
import * as executions from '../db/executions';
import * as schedules from '../db/schedules';
import { startExecution } from '../executions/start';
import { MigratorError } from '../errors';
import type { Logger } from '../logger';
import { scheduleStarterOf } from '../schedules/model';
import { bumpIfRevisionsChanged, revisionsChanged, syncTemporal } from '../schedules/service';
import { syncOverlapSkips } from '../schedules/overlapSkips';
import { withTransaction } from '../db/pool';
import type { ScheduledRunResult } from '../workflows/types';

export interface ScheduleActivityDeps {
  pool: Pool;
  logger: Logger;
  temporal?: Client;
  /** How often `awaitScheduledExecution` reads the execution's row (2 s by default). */
  schedulePollMs?: number;
  /** Skipped runs and versions awaiting approval are announced with these; not without them. */
  notifications?: NotificationSettings;
}

/**
 * What a scheduled run is recorded under: its workflow run, not its workflow id. Temporal names a
 * Schedule's workflows by the second they were due, so a trigger in the same second as a
 * scheduled run gets that run's workflow id (a new run of it, once the first ended): keyed by the
 * workflow id, the trigger found the first run's record and started nothing.
 */
function runKeysOf(execution: { workflowId: string; runId: string }): { key: string; lookup: string[] } {
  const key = `${execution.workflowId}/${execution.runId}`;
  // Runs recorded before this key was used are found by their workflow id.
  return { key, lookup: [key, execution.workflowId] };
}

const resultOf = (run: schedules.ScheduleRun): ScheduledRunResult => ({ outcome: run.outcome, executionId: run.executionId, reasonCode: run.reasonCode });

/** The activities of `scheduledRun`: start the schedule's approved version through the start path, then follow it. */
export function createScheduleActivities(deps: ScheduleActivityDeps) {
  const { pool } = deps;
  const temporalOf = (): Client => {
    if (!deps.temporal) throw new MigratorError('INTERNAL', 'The worker was built without a Temporal client, which scheduled runs need to start executions.');
    return deps.temporal;
  };

  // Announced on every attempt, the first record found again included: a delivery is made once per
  // run (or version) and target whatever the number of attempts.
  const announceSkip = async (scheduleId: string, execution: { workflowId: string; runId: string }): Promise<void> => {
    if (!deps.notifications) return;
    const announceDeps = { pool, temporal: temporalOf(), settings: deps.notifications };
    const run = await schedules.findRunOfWorkflow(pool, runKeysOf(execution).lookup);
    if (run?.outcome !== 'skipped') return;
    await announceScheduleRunSkipped(announceDeps, run.id);
    if (run.reasonCode === 'NOT_APPROVED' || run.reasonCode === 'REVISION_CHANGED') await announceScheduleAwaitingApproval(announceDeps, scheduleId);
  };

  return {
    /** Starts the schedule's run, or records it as skipped and announces the skip. */
    async startScheduledRun(scheduleId: string): Promise<ScheduledRunResult> {
      const result = await startOrSkip(scheduleId);
      if (result.outcome === 'skipped') await announceSkip(scheduleId, activityInfo().workflowExecution!);
      return result;
    },

    /** Follows the execution's row until it ends, heartbeating, so the Schedule sees the run as running. */
    async awaitScheduledExecution(executionId: string): Promise<{ status: string }> {
      for (;;) {
        const execution = await executions.getExecution(pool, executionId);
        if (!execution) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist.`);
        if (execution.finishedAt) return { status: execution.status };
        heartbeat();
        await sleep(deps.schedulePollMs ?? 2000);
      }
    },
  };

  /**
   * Loads the schedule and the version it may run (on production: the approved one, with the
   * job and the environment unchanged since), and starts an execution of it like the API does.
   * A start refused (already running, archived, not approved) is recorded as a skipped run.
   * Idempotent per workflow run: the execution's id is the run's id.
   */
  async function startOrSkip(scheduleId: string): Promise<ScheduledRunResult> {
    const run = activityInfo().workflowExecution;
    if (!run) throw new MigratorError('INTERNAL', 'startScheduledRun runs only as an activity of scheduledRun.');
    const { runId } = run;
    const { key, lookup } = runKeysOf(run);
    const { taskQueue } = activityInfo();
    const temporal = temporalOf();
    const recorded = await schedules.findRunOfWorkflow(pool, lookup);
    if (recorded) return resultOf(recorded);
    const s = await schedules.getSchedule(pool, scheduleId);
    if (!s) return { outcome: 'skipped', executionId: null, reasonCode: 'NOT_FOUND' };
    await syncOverlapSkips(pool, temporal, s, deps.notifications).catch((err: unknown) => deps.logger.warn({ err, scheduleId }, 'Could not count the runs skipped by the overlap policy.'));
    const record = (run: Omit<Parameters<typeof schedules.recordRun>[1], 'scheduleId' | 'workflowId'>) =>
      schedules.recordRun(pool, { ...run, scheduleId, workflowId: key });

    const environment = await getEnvironment(pool, s.environmentId);
    let version = (await schedules.getVersion(pool, scheduleId, s.version))!;
    if (environment?.production) {
      if (s.approvedVersion === null) {
        await withTransaction(pool, (client) => syncTemporal({ pool, temporal, taskQueue }, client, s));
        return resultOf(
          await record({ version: null, outcome: 'skipped', reasonCode: 'NOT_APPROVED', reason: 'No version of this production schedule is approved yet.' }),
        );
      }
      version = (await schedules.getVersion(pool, scheduleId, s.approvedVersion))!;
      if (await revisionsChanged(pool, version)) {
        // The current version is written anew with the job and environment as they are now, to approve.
        const waiting = await withTransaction(pool, async (client) => {
          const locked = (await schedules.getSchedule(client, scheduleId, true)) ?? s;
          const current = (await schedules.getVersion(client, scheduleId, locked.version))!;
          const after = (await bumpIfRevisionsChanged(client, locked, current)) ?? locked;
          await syncTemporal({ pool, temporal, taskQueue }, client, after);
          return after;
        });
        return resultOf(
          await record({
            version: version.version,
            outcome: 'skipped',
            reasonCode: 'REVISION_CHANGED',
            reason: `The job or the environment changed after version ${version.version} was approved; the schedule waits for an approval of version ${waiting.version}.`,
          }),
        );
      }
    }

    const d = version.definition;
    const existing = await executions.getExecution(pool, runId);
    if (existing) return resultOf(await record({ version: version.version, outcome: 'started', executionId: existing.id }));
    try {
      const execution = await startExecution({ pool, temporal, taskQueue }, scheduleStarterOf(d.name), {
        jobId: d.jobId,
        environmentId: d.environmentId,
        params: d.params,
        confirmProduction: s.confirmProduction ?? undefined,
        schedule: { scheduleId, version: version.version, approvedBy: version.approvedBy, approvedAt: version.approvedAt, executionId: runId },
      });
      return resultOf(await record({ version: version.version, outcome: 'started', executionId: execution.id }));
    } catch (err) {
      if (!(err instanceof MigratorError) || err.code === 'UNAVAILABLE') throw err;
      return resultOf(await record({ version: version.version, outcome: 'skipped', reasonCode: err.code, reason: err.message }));
    }
  }
}
