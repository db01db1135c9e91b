import type { Pool } from 'pg';

import { MigratorError } from '../errors';
import { withTransaction } from './pool';

export interface SlotAnswer {
  acquired: boolean;
  /** Executions of the same environment ahead of this one in the queue (0 = next). */
  position: number;
  environmentId: string;
}

/**
 * Gives the execution a run slot on its environment if a slot would be left for it once every
 * execution queued ahead of it had taken one: FIFO, yet the first `free` of the queue take the
 * `free` slots at once rather than one after the other (a chain of activity round trips, when
 * 50 start together). A slot is the `running` status itself, released
 * when the outcome is recorded; an execution awaiting approval holds none. The environment row
 * lock serialises concurrent acquisitions; it is `for no key update`, which the key-share lock
 * of an execution being inserted (its foreign key) does not wait for, nor block.
 */
export async function acquireSlot(pool: Pool, executionId: string): Promise<SlotAnswer> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: string; environment_id: string; created_at: Date; max_concurrency: number }>(
      `select e.status, e.environment_id, e.created_at, env.max_concurrency
         from executions e join environments env on env.id = e.environment_id
        where e.id = $1
          for no key update of env`,
      [executionId],
    );
    const row = rows[0];
    if (!row) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist.`);
    // A retry after the grant committed: the slot is this execution's already.
    if (row.status === 'running') return { acquired: true, position: 0, environmentId: row.environment_id };
    if (row.status !== 'queued') {
      throw new MigratorError('CONFLICT', `Execution ${executionId} is ${row.status}, not queued; it takes no slot.`);
    }
    const { rows: counts } = await client.query<{ running: number; ahead: number }>(
      `select count(*) filter (where status = 'running')::int as running,
              count(*) filter (where status = 'queued' and (created_at, id) < ($2, $3::uuid))::int as ahead
         from executions where environment_id = $1 and status in ('queued', 'running')`,
      [row.environment_id, row.created_at, executionId],
    );
    const { running, ahead } = counts[0]!;
    if (ahead >= row.max_concurrency - running) return { acquired: false, position: ahead, environmentId: row.environment_id };
    // clock_timestamp(), not now(): the grant time under the lock, not when this transaction began.
    await client.query(`update executions set status = 'running', started_at = coalesce(started_at, clock_timestamp()) where id = $1`, [executionId]);
    return { acquired: true, position: 0, environmentId: row.environment_id };
  });
}

/**
 * The workflow ids of the oldest queued executions of an environment that a free slot awaits, to
 * wake them up: as many as slots are free, so that a wake-up is never a wasted round trip.
 */
export async function nextQueued(pool: Pool, environmentId: string, maxConcurrency: number): Promise<string[]> {
  const { rows } = await pool.query<{ workflow_id: string }>(
    `select workflow_id from executions where environment_id = $1 and status = 'queued'
      order by created_at, id
      limit greatest(0, $2::int - (select count(*) from executions where environment_id = $1 and status = 'running'))`,
    [environmentId, maxConcurrency],
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
