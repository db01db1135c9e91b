import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';

import * as db from '../db/schedules';
import { coerceError } from '../errors';
import type { Logger } from '../logger';
import type { NotificationSettings } from '../notifications/settings';
import { temporalScheduleIdOf, temporalSchedulePrefix } from './model';
import { syncOverlapSkips } from './overlapSkips';
import { stateOf } from './service';
import { createTemporalSchedule, sameSpec, updateTemporalSchedule } from './temporalSchedule';

export interface ScheduleReconcileReport {
  /** Missing in Temporal, created again. */
  recreated: string[];
  /** Spec or pause changed in Temporal, put back. */
  corrected: string[];
  /** Temporal Schedules with Migrator's prefix that the database does not know (left alone). */
  unknown: string[];
  /** Schedules that could not be reconciled, with the reason. */
  failed: { id: string; error: string }[];
}

/**
 * Brings Temporal's `migrator-schedule-*` Schedules in line with the database: a missing one is
 * created again, spec or pause drift is put back (and logged), and one the database does not
 * know is reported, never deleted. Run by every worker at start.
 */
export async function reconcileSchedules(deps: {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  notifications?: NotificationSettings;
}): Promise<ScheduleReconcileReport> {
  const { pool, temporal, logger } = deps;
  const report: ScheduleReconcileReport = { recreated: [], corrected: [], unknown: [], failed: [] };
  const rows = await db.listSchedules(pool);
  for (const s of rows) {
    try {
      const { pausedInTemporal } = await stateOf(pool, s);
      const target = { schedule: s, paused: pausedInTemporal, taskQueue: deps.taskQueue };
      let description;
      try {
        description = await temporal.schedule.getHandle(temporalScheduleIdOf(s.id)).describe();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        await db.setTemporalSpec(pool, s.id, await createTemporalSchedule(temporal, target));
        logger.warn({ scheduleId: s.id }, 'The Temporal Schedule of a schedule was missing; created it again.');
        report.recreated.push(s.id);
        continue;
      }
      const specDrift = !sameSpec(description.spec, s.temporalSpec);
      const pauseDrift = description.state.paused !== pausedInTemporal;
      if (specDrift || pauseDrift) {
        await db.setTemporalSpec(pool, s.id, await updateTemporalSchedule(temporal, target));
        logger.warn(
          { scheduleId: s.id, specDrift, pauseDrift, pausedInTemporal: description.state.paused, paused: pausedInTemporal },
          'The Temporal Schedule of a schedule was changed outside Migrator; put it back.',
        );
        report.corrected.push(s.id);
      }
      await syncOverlapSkips(pool, temporal, s, deps.notifications);
    } catch (err) {
      logger.error({ err, scheduleId: s.id }, 'Could not reconcile a schedule with Temporal; the next worker start tries again.');
      report.failed.push({ id: s.id, error: coerceError(err).message });
    }
  }
  const known = new Set(rows.map((s) => temporalScheduleIdOf(s.id)));
  for await (const listed of temporal.schedule.list()) {
    if (listed.scheduleId.startsWith(temporalSchedulePrefix) && !known.has(listed.scheduleId)) report.unknown.push(listed.scheduleId);
  }
  if (report.unknown.length > 0) {
    logger.warn({ schedules: report.unknown }, 'Temporal has Migrator Schedules the database does not know; left alone. Delete them in Temporal if they are not wanted.');
  }
  return report;
}
