import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import * as db from '../db/schedules';
import { temporalScheduleIdOf } from './model';

/**
 * Temporal's overlap policy skips a run without starting anything, so no run of ours hears of
 * it; Temporal counts them. Records the count's growth as skipped runs (reason OVERLAP). Called
 * when a run starts, when a schedule is read, and at reconciliation.
 */
export async function syncOverlapSkips(pool: Pool, temporal: Client, s: Pick<db.Schedule, 'id' | 'version' | 'overlapSkipsRecorded'>): Promise<number> {
  const description = await temporal.schedule.getHandle(temporalScheduleIdOf(s.id)).describe();
  const total = description.info.numActionsSkippedOverlap;
  if (total <= s.overlapSkipsRecorded) return 0;
  return db.recordOverlapSkips(pool, s.id, total, s.version);
}
