import type { Pool } from 'pg';

import { withTransaction } from './pool';

export interface SlotAnswer {
  acquired: boolean;
  /** Executions of the same environment ahead of this one in the queue (0 = next). */
  position: number;
}

/**
 * Gives the execution a run slot on its environment if it is first in the FIFO queue and fewer
 * than `max_concurrency` executions run there. The environment row lock serialises concurrent
 * acquisitions; a slot is the `running` status itself, released when the outcome is recorded.
 */
export async function acquireSlot(pool: Pool, executionId: string): Promise<SlotAnswer> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: string; environment_id: string; created_at: Date; max_concurrency: number }>(
      `select e.status, e.environment_id, e.created_at, env.max_concurrency
         from executions e join environments env on env.id = e.environment_id
        where e.id = $1
          for update of env`,
      [executionId],
    );
    const row = rows[0];
    if (!row) throw new Error(`Execution ${executionId} does not exist.`);
    if (row.status !== 'queued') return { acquired: true, position: 0 };
    const { rows: counts } = await client.query<{ running: number; ahead: number }>(
      `select count(*) filter (where status in ('running', 'awaiting_approval'))::int as running,
              count(*) filter (where status = 'queued' and (created_at, id) < ($2, $3::uuid))::int as ahead
         from executions where environment_id = $1 and status in ('queued', 'running', 'awaiting_approval')`,
      [row.environment_id, row.created_at, executionId],
    );
    const { running, ahead } = counts[0]!;
    if (ahead > 0 || running >= row.max_concurrency) return { acquired: false, position: ahead };
    // clock_timestamp(), not now(): the grant time under the lock, not when this transaction began.
    await client.query(`update executions set status = 'running', started_at = coalesce(started_at, clock_timestamp()) where id = $1`, [executionId]);
    return { acquired: true, position: 0 };
  });
}

/** The workflow ids of the oldest queued executions of an environment, to wake them up. */
export async function nextQueued(pool: Pool, environmentId: string, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ workflow_id: string }>(
    `select workflow_id from executions where environment_id = $1 and status = 'queued'
      order by created_at, id limit $2`,
    [environmentId, limit],
  );
  return rows.map((r) => r.workflow_id);
}

/** How many queued executions of the same environment are ahead of this one; null when not queued. */
export async function queuePosition(pool: Pool, executionId: string): Promise<number | null> {
  const { rows } = await pool.query<{ position: number | null }>(
    `select case when e.status = 'queued' then
              (select count(*)::int from executions q
                where q.environment_id = e.environment_id and q.status = 'queued' and (q.created_at, q.id) < (e.created_at, e.id))
            end as position
       from executions e where e.id = $1`,
    [executionId],
  );
  return rows[0]?.position ?? null;
}
