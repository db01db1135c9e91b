import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import * as db from '../db/schedules';
import type { Logger } from '../logger';
import type { NotificationSettings } from '../notifications/settings';
import { temporalScheduleIdOf } from '../schedules/model';
import { syncOverlapSkips } from '../schedules/overlapSkips';
import { stateOf } from '../schedules/service';

/** A schedule as the API answers it: the definition, whether it may run and why not. */
export async function scheduleView(pool: Pool, s: db.Schedule) {
  const { temporalSpec: _spec, overlapSkipsRecorded: _skips, ...rest } = s;
  const { awaitingApproval, revisionChanged, production } = await stateOf(pool, s);
  return {
    ...rest,
    production,
    awaitingApproval,
    revisionChanged,
    state: s.paused ? ('paused' as const) : awaitingApproval ? ('awaiting_approval' as const) : ('active' as const),
    temporalScheduleId: temporalScheduleIdOf(s.id),
  };
}

/** One schedule with its next run times (from Temporal) and its last runs. */
export async function scheduleDetail(deps: { pool: Pool; temporal: Client; logger: Logger; notifications?: NotificationSettings }, s: db.Schedule, runLimit = 20) {
  let nextRunTimes: Date[] | null = null;
  try {
    await syncOverlapSkips(deps.pool, deps.temporal, s, deps.notifications);
    const description = await deps.temporal.schedule.getHandle(temporalScheduleIdOf(s.id)).describe();
    nextRunTimes = description.info.nextActionTimes.slice(0, 5);
  } catch (err) {
    // The definition and the runs are still worth showing when Temporal does not answer.
    deps.logger.warn({ err, scheduleId: s.id }, 'Could not describe the Temporal Schedule of a schedule.');
  }
  return { ...(await scheduleView(deps.pool, s)), nextRunTimes, runs: await db.listRuns(deps.pool, s.id, runLimit) };
}
