import type { Pool } from 'pg';

import type { ExecutionStatus } from './executions';

/** The statuses of executions that are not over; few rows at any time. */
export const activeStatuses = ['queued', 'awaiting_approval', 'running'] as const satisfies readonly ExecutionStatus[];

async function countByStatus(pool: Pool, sql: string, params: unknown[] = []): Promise<Map<ExecutionStatus, number>> {
  const { rows } = await pool.query<{ status: ExecutionStatus; n: number }>(sql, params);
  return new Map(rows.map((r) => [r.status, r.n]));
}

/**
 * Executions per active status, exactly. The condition is the predicate of the partial index
 * `executions_one_active_per_job_env`, spelled the same way, so PostgreSQL can read only the
 * active rows through it.
 */
export function countActive(pool: Pool): Promise<Map<ExecutionStatus, number>> {
  return countByStatus(pool, "select status, count(*)::int as n from executions where status in ('queued', 'awaiting_approval', 'running') group by status");
}

/** Executions per finished status: nearly the whole table, so callers do this rarely. */
export function countFinished(pool: Pool): Promise<Map<ExecutionStatus, number>> {
  return countByStatus(pool, 'select status, count(*)::int as n from executions where status <> all($1::text[]) group by status', [activeStatuses]);
}
