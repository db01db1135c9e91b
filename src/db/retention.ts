import type { Pool } from 'pg';

import { withTransaction } from './pool';

/**
 * Deletes at most `batchSize` log lines of executions that finished more than `retentionDays`
 * days ago, oldest executions first, in one short transaction, and marks `logs_purged_at` on
 * those left without lines. Unfinished executions (`finished_at is null`) are never touched.
 */
export async function deleteExpiredLogLines(pool: Pool, retentionDays: number, batchSize: number): Promise<{ deleted: number }> {
  return withTransaction(pool, async (client) => {
    // The planner overestimates the join by orders of magnitude, which is enough to JIT-compile
    // the statement: on 5,000 lines that took about 100 ms of CPU against 40 ms for the deletion
    // itself, every batch, while the writers of running executions share the machine.
    await client.query('set local jit = off');
    const { rows } = await client.query<{ deleted: number; touched: string[]; frontier: Date | null }>(
      `with doomed as (
         select l.execution_id, l.seq, e.finished_at
           from executions e
           join log_lines l on l.execution_id = e.id
          where e.finished_at < now() - make_interval(days => $1::integer)
            and e.logs_purged_at is null
          order by e.finished_at
          limit $2::integer
       ), gone as (
         delete from log_lines l
          using doomed d
          where l.execution_id = d.execution_id and l.seq = d.seq
         returning l.execution_id
       )
       select count(*)::integer as deleted, coalesce(array_agg(distinct execution_id), '{}'::uuid[])::text[] as touched,
              (select max(finished_at) from doomed) as frontier
         from gone`,
      [retentionDays, batchSize],
    );
    const { deleted, touched, frontier } = rows[0]!;
    // A short batch means no expired lines are left, so every expired execution is purged, also
    // those that never had a line; a full one completes the executions it touched and those that
    // finished before the last of them, whose lines, if any, were all in this batch. Left
    // unmarked, executions without lines would be walked again by every later batch.
    await client.query(
      `update executions e
          set logs_purged_at = now()
        where e.finished_at < now() - make_interval(days => $1::integer)
          and e.logs_purged_at is null
          and ($3::boolean or e.id = any($2::uuid[]) or e.finished_at < $4::timestamptz)
          and not exists (select from log_lines l where l.execution_id = e.id)`,
      [retentionDays, touched, deleted < batchSize, frontier],
    );
    return { deleted };
  });
}

/** Environments whose hosts the sweep visits: in use, and with a pinned host key to verify. */
export async function listSweepableEnvironments(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select id::text as id from environments
      where archived_at is null and host_key_fingerprint is not null
      order by name`,
  );
  return rows.map((row) => row.id);
}

/**
 * Executions that may still use their run directory: started and not finished. A retry of
 * their `runScript` must find the `started` tombstone, or it would start the script again.
 * Across every environment, since environments can share a host and user.
 */
export async function listUnfinishedStartedExecutions(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select id::text as id from executions where finished_at is null and started_at is not null`,
  );
  return rows.map((row) => row.id);
}
