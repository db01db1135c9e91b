import type { Pool } from 'pg';

import { deleteExpiredLogLines } from '../../src/db/retention';

/** What the retention loop did: lines deleted, batches, and how long each batch's transaction took. */
export interface RetentionRun {
  deleted: number;
  batches: number;
  ms: number;
  batchMs: number[];
}

/**
 * Runs the `retentionCleanup` workflow's loop (its activity calls `deleteExpiredLogLines` with
 * these arguments) until `target` lines are deleted or none are left, back to back as the
 * workflow does. `progress` is called after each batch.
 */
export async function runRetention(
  db: Pool,
  options: { retentionDays: number; batchSize: number; target: number },
  progress: (run: RetentionRun) => void = () => undefined,
): Promise<RetentionRun> {
  const started = performance.now();
  const run: RetentionRun = { deleted: 0, batches: 0, ms: 0, batchMs: [] };
  while (run.deleted < options.target) {
    const batchStarted = performance.now();
    const { deleted } = await deleteExpiredLogLines(db, options.retentionDays, options.batchSize);
    run.batchMs.push(performance.now() - batchStarted);
    run.deleted += deleted;
    run.batches += 1;
    run.ms = performance.now() - started;
    progress(run);
    if (deleted < options.batchSize) break;
  }
  return run;
}
