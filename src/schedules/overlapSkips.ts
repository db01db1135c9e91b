import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import * as db from '../db/schedules';
import { announceScheduleRunSkipped } from '../notifications/announceSchedule';
import type { NotificationSettings } from '../notifications/settings';
import { temporalScheduleIdOf } from './model';

/**
 * Temporal's overlap policy skips a run without starting anything, so no run of ours hears of
 * it; Temporal counts them. Records the count's growth as skipped runs (reason OVERLAP), announced
 * when settings are given. Called when a run starts, when a schedule is read, and at reconciliation.
 */
export async function syncOverlapSkips(
  pool: Pool,
  temporal: Client,
  s: Pick<db.Schedule, 'id' | 'version' | 'overlapSkipsRecorded'>,
  notifications?: NotificationSettings,
): Promise<string[]> {
  const description = await temporal.schedule.getHandle(temporalScheduleIdOf(s.id)).describe();
  const total = description.info.numActionsSkippedOverlap;
  if (total <= s.overlapSkipsRecorded) return [];
  const runIds = await db.recordOverlapSkips(pool, s.id, total, s.version);
  if (notifications) {
    for (const runId of runIds) await announceScheduleRunSkipped({ pool, temporal, settings: notifications }, runId);
  }
  return runIds;
}
