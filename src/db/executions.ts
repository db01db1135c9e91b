import type { Pool, PoolClient } from 'pg';

import type { ErrorCode } from '../errors';
import type { ParamValues } from '../jobs/parameters';

export const executionStatuses = ['queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];
export type FinalStatus = Extract<ExecutionStatus, 'succeeded' | 'failed' | 'cancelled' | 'rejected'>;

export interface Execution {
  id: string;
  jobId: string;
  environmentId: string;
  params: ParamValues;
  confirmProduction: string | null;
  status: ExecutionStatus;
  exitCode: number | null;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  startedBy: string;
  approvedBy: string | null;
  workflowId: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lineCount: number;
}

const columns = `id, job_id as "jobId", environment_id as "environmentId", params, confirm_production as "confirmProduction",
  status, exit_code as "exitCode", error_code as "errorCode", error_message as "errorMessage", started_by as "startedBy",
  approved_by as "approvedBy", workflow_id as "workflowId", created_at as "createdAt", started_at as "startedAt",
  finished_at as "finishedAt", last_seq::int as "lineCount"`;

export function workflowIdOf(executionId: string): string {
  return `execution-${executionId}`;
}

export async function insertExecution(
  client: PoolClient,
  row: { id: string; jobId: string; environmentId: string; params: ParamValues; confirmProduction: string | null; startedBy: string },
): Promise<Execution> {
  const { rows } = await client.query<Execution>(
    `insert into executions (id, job_id, environment_id, params, confirm_production, started_by, workflow_id)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7) returning ${columns}`,
    [row.id, row.jobId, row.environmentId, JSON.stringify(row.params), row.confirmProduction, row.startedBy, workflowIdOf(row.id)],
  );
  return rows[0]!;
}

export async function getExecution(pool: Pool, id: string): Promise<Execution | undefined> {
  const { rows } = await pool.query<Execution>(`select ${columns} from executions where id = $1`, [id]);
  return rows[0];
}

export async function listExecutions(pool: Pool, limit: number): Promise<Execution[]> {
  const { rows } = await pool.query<Execution>(
    `select ${columns} from executions order by created_at desc, id desc limit $1`,
    [limit],
  );
  return rows;
}

/** Marks the run as started; a no-op if it already is (activity retries). */
export async function markRunning(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `update executions set status = 'running', started_at = coalesce(started_at, now())
      where id = $1 and status in ('queued', 'awaiting_approval')`,
    [id],
  );
}

/** The script's exit status as read on the host, stored before its run directory is removed. */
export async function recordExitCode(pool: Pool, id: string, exitCode: number): Promise<void> {
  await pool.query('update executions set exit_code = $2 where id = $1', [id, exitCode]);
}

/** runScript confirmed the remote process group dead (cancel or timeout). */
export async function markRemoteStopped(pool: Pool, id: string): Promise<void> {
  await pool.query('update executions set remote_stopped_at = coalesce(remote_stopped_at, now()) where id = $1', [id]);
}

export async function remoteStopped(pool: Pool, id: string): Promise<boolean> {
  const { rows } = await pool.query('select remote_stopped_at is not null as stopped from executions where id = $1', [id]);
  return rows[0]?.stopped === true;
}

/** Records the outcome once; later calls (retries, replays) leave the first outcome as it was. */
export async function finalizeExecution(
  pool: Pool,
  outcome: { id: string; status: FinalStatus; exitCode?: number | null; errorCode?: ErrorCode | null; errorMessage?: string | null },
): Promise<void> {
  await pool.query(
    `update executions
        set status = $2, exit_code = coalesce($3, exit_code), error_code = $4, error_message = $5, finished_at = now()
      where id = $1 and finished_at is null`,
    [outcome.id, outcome.status, outcome.exitCode ?? null, outcome.errorCode ?? null, outcome.errorMessage ?? null],
  );
}
