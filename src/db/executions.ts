import type { Pool, PoolClient } from 'pg';

import type { ErrorCode } from '../errors';
import type { JobSnapshot, TargetSnapshot } from '../model/snapshot';
import type { ParamValues } from '../jobs/parameters';

import type { ExecutionStatus, FinalStatus } from '../model/execution';

export type { ExecutionStatus } from '../model/execution';

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
  approvedAt: Date | null;
  rejectedBy: string | null;
  cancelledBy: string | null;
  /** The execution this one retries, when started with rerun. */
  rerunOf: string | null;
  workflowId: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lineCount: number;
  /** From the script's latest `::progress <done>/<total>` line. */
  progressDone: number | null;
  progressTotal: number | null;
  /** The retention cleanup deleted this execution's log lines. */
  logsPurgedAt: Date | null;
  /** The job and the connection as they were at the start; null only for rows finished before snapshots existed. */
  jobSnapshot: JobSnapshot | null;
  targetSnapshot: TargetSnapshot | null;
  /** When Temporal accepted the workflow; null while the start is pending, or when it failed. */
  workflowStartedAt: Date | null;
  /** A production execution not decided by then fails APPROVAL_TIMEOUT. */
  approvalDeadline: Date | null;
  /** The approver's note. */
  approvalNote: string | null;
  /** The schedule that started it, and that schedule's version; null for starts by people. */
  scheduleId: string | null;
  scheduleVersion: number | null;
}

/** Every column an answer of the API shows: all but the snapshots and when Temporal accepted the workflow. */
const summaryColumns = `id, job_id as "jobId", environment_id as "environmentId", params, confirm_production as "confirmProduction",
  status, exit_code as "exitCode", error_code as "errorCode", error_message as "errorMessage", started_by as "startedBy",
  approved_by as "approvedBy", approved_at as "approvedAt", rejected_by as "rejectedBy", cancelled_by as "cancelledBy",
  rerun_of as "rerunOf", workflow_id as "workflowId", created_at as "createdAt", started_at as "startedAt",
  finished_at as "finishedAt", last_seq::int as "lineCount", progress_done::float8 as "progressDone",
  progress_total::float8 as "progressTotal", logs_purged_at as "logsPurgedAt", approval_deadline as "approvalDeadline",
  approval_note as "approvalNote", schedule_id as "scheduleId", schedule_version as "scheduleVersion"`;

const columns = `${summaryColumns}, job_snapshot as "jobSnapshot", target_snapshot as "targetSnapshot", workflow_started_at as "workflowStartedAt"`;

export function workflowIdOf(executionId: string): string {
  return `execution-${executionId}`;
}

export async function insertExecution(
  db: Pool | PoolClient,
  row: {
    id: string;
    jobId: string;
    environmentId: string;
    params: ParamValues;
    confirmProduction: string | null;
    startedBy: string;
    status: Extract<ExecutionStatus, 'queued' | 'awaiting_approval'>;
    rerunOf: string | null;
    jobSnapshot: JobSnapshot;
    targetSnapshot: TargetSnapshot;
    approvalTimeoutSeconds: number | null;
    /** Runs of a schedule: the schedule, its version, and for production that version's approval. */
    scheduleId?: string;
    scheduleVersion?: number;
    approvedBy?: string | null;
    approvedAt?: Date | null;
    approvalNote?: string;
  },
): Promise<Execution> {
  const { rows } = await db.query<Execution>(
    `insert into executions (id, job_id, environment_id, params, confirm_production, started_by, workflow_id, status, rerun_of,
                             job_snapshot, target_snapshot, approval_deadline, schedule_id, schedule_version,
                             approved_by, approved_at, approval_note)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb,
             case when $12::int is null then null else clock_timestamp() + make_interval(secs => $12::int) end,
             $13, $14, $15, $16, $17)
     returning ${columns}`,
    [
      row.id,
      row.jobId,
      row.environmentId,
      JSON.stringify(row.params),
      row.confirmProduction,
      row.startedBy,
      workflowIdOf(row.id),
      row.status,
      row.rerunOf,
      JSON.stringify(row.jobSnapshot),
      JSON.stringify(row.targetSnapshot),
      row.approvalTimeoutSeconds,
      row.scheduleId ?? null,
      row.scheduleVersion ?? null,
      row.approvedBy ?? null,
      row.approvedAt ?? null,
      row.approvalNote ?? null,
    ],
  );
  return rows[0]!;
}

/** Stores the snapshots of a row that has none; a snapshot already taken is kept. */
export async function recordSnapshots(db: Pool, id: string, job: JobSnapshot, target: TargetSnapshot): Promise<Execution> {
  const { rows } = await db.query<Execution>(
    `update executions set job_snapshot = coalesce(job_snapshot, $2::jsonb), target_snapshot = coalesce(target_snapshot, $3::jsonb)
      where id = $1 returning ${columns}`,
    [id, JSON.stringify(job), JSON.stringify(target)],
  );
  return rows[0]!;
}

/** Temporal accepted the execution's workflow: from now on the reconciler holds it to it. */
export async function markWorkflowStarted(db: Pool, id: string): Promise<void> {
  await db.query('update executions set workflow_started_at = coalesce(workflow_started_at, now()) where id = $1', [id]);
}

export async function getExecution(pool: Pool, id: string): Promise<Execution | undefined> {
  const { rows } = await pool.query<Execution>(`select ${columns} from executions where id = $1`, [id]);
  return rows[0];
}

export interface ExecutionFilter {
  statuses?: ExecutionStatus[];
  jobId?: string;
  sourceId?: string;
  environmentId?: string;
  /** By name, beside the ids. */
  jobName?: string;
  sourceName?: string;
  environmentName?: string;
  startedBy?: string;
  from?: string;
  to?: string;
  /** The sort key of the previous page's last item: `created_at` as PostgreSQL prints it, and id. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/**
 * An execution as the API reads it: without its snapshots (the worker's, JSON of some hundred
 * bytes each, which no answer shows) and `workflowStartedAt` (the reconciler's); with what an
 * operator reads first, the names of its job, source and environment, and its place in the queue.
 */
export interface ExecutionView extends Omit<Execution, 'jobSnapshot' | 'targetSnapshot' | 'workflowStartedAt'> {
  jobName: string;
  sourceName: string;
  environmentName: string;
  /** Executions of the same environment queued ahead of this one (0 = next); null unless queued. */
  queuePosition: number | null;
}

export interface ExecutionListItem extends ExecutionView {
  /** `created_at` at full precision, for the next page's cursor (a JS Date keeps only milliseconds). */
  sortKey: string;
}

const viewColumns = `${summaryColumns},
  (select j.name from jobs j where j.id = x.job_id) as "jobName",
  (select s.name from jobs j join sources s on s.id = j.source_id where j.id = x.job_id) as "sourceName",
  (select e.name from environments e where e.id = x.environment_id) as "environmentName",
  case when x.status = 'queued' then
    (select count(*)::int from executions q
      where q.environment_id = x.environment_id and q.status = 'queued' and (q.created_at, q.id) < (x.created_at, x.id))
  end as "queuePosition"`;

/** One execution with names and queue position. */
export async function getExecutionView(db: Pool, id: string): Promise<ExecutionView | undefined> {
  const { rows } = await db.query<ExecutionView>(`select ${viewColumns} from executions x where id = $1`, [id]);
  return rows[0];
}

/** Newest first, keyset-paginated on (created_at, id), so new executions never shift a page. */
export async function listExecutions(db: Pool, f: ExecutionFilter): Promise<ExecutionListItem[]> {
  const { rows } = await db.query<ExecutionListItem>(
    `select ${viewColumns}, created_at::text as "sortKey"
       from executions x
      where ($1::text[] is null or status = any($1))
        and ($2::uuid is null or job_id = $2)
        and ($3::uuid is null or job_id in (select j.id from jobs j where j.source_id = $3))
        and ($4::uuid is null or environment_id = $4)
        and ($5::text is null or started_by = $5)
        and ($6::timestamptz is null or created_at >= $6)
        and ($7::timestamptz is null or created_at < $7)
        and ($8::timestamptz is null or (created_at, id) < ($8, $9::uuid))
        and ($11::text is null or job_id in (select j.id from jobs j where j.name = $11))
        and ($12::text is null or job_id in (select j.id from jobs j join sources s on s.id = j.source_id where s.name = $12))
        and ($13::text is null or environment_id in (select e.id from environments e where e.name = $13))
      order by created_at desc, id desc
      limit $10`,
    [
      f.statuses ?? null,
      f.jobId ?? null,
      f.sourceId ?? null,
      f.environmentId ?? null,
      f.startedBy ?? null,
      f.from ?? null,
      f.to ?? null,
      f.after?.createdAt ?? null,
      f.after?.id ?? null,
      f.limit,
      f.jobName ?? null,
      f.sourceName ?? null,
      f.environmentName ?? null,
    ],
  );
  return rows;
}

/**
 * A second person approved a production execution: it joins the queue. One conditional update,
 * so of an approval, a rejection and the deadline exactly one wins; the starter never does.
 * Returns false when the execution was not awaiting approval (or the approver started it).
 */
export async function approveExecution(db: Pool, id: string, approvedBy: string, note: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `update executions set approved_by = $2, approved_at = now(), approval_note = $3, status = 'queued'
      where id = $1 and status = 'awaiting_approval' and started_by <> $2`,
    [id, approvedBy, note],
  );
  return rowCount === 1;
}

/** A second person rejected a production execution: it ends `rejected` here and now; its workflow follows the row. */
export async function rejectExecution(db: Pool, id: string, rejectedBy: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update executions
        set status = 'rejected', rejected_by = $2, error_code = 'APPROVAL_REJECTED', error_message = $3, finished_at = now()
      where id = $1 and status = 'awaiting_approval'`,
    [id, rejectedBy, message],
  );
  return rowCount === 1;
}

/** The approval deadline passed: fails the execution unless a decision won first. */
export async function expireApproval(db: Pool, id: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update executions set status = 'failed', error_code = 'APPROVAL_TIMEOUT', error_message = $2, finished_at = now()
      where id = $1 and status = 'awaiting_approval'`,
    [id, message],
  );
  return rowCount === 1;
}

/** How many executions are queued, awaiting approval or running on an environment. */
export async function countActiveOn(db: Pool | PoolClient, environmentId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from executions
      where environment_id = $1 and status in ('queued', 'awaiting_approval', 'running')`,
    [environmentId],
  );
  return rows[0]!.n;
}

/** Every execution still active, oldest first, for the reconciler. */
export async function listActiveExecutions(db: Pool): Promise<Execution[]> {
  const { rows } = await db.query<Execution>(
    `select ${columns} from executions where status in ('queued', 'awaiting_approval', 'running') order by created_at, id`,
  );
  return rows;
}

/** Who asked for the cancel; the first one asking is kept. */
export async function recordCancelRequest(db: Pool, id: string, cancelledBy: string): Promise<void> {
  await db.query('update executions set cancelled_by = coalesce(cancelled_by, $2) where id = $1', [id, cancelledBy]);
}

/** Marks the run as started; a no-op if it already is (activity retries). */
export async function markRunning(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `update executions set status = 'running', started_at = coalesce(started_at, now())
      where id = $1 and status in ('queued', 'awaiting_approval')`,
    [id],
  );
}

/**
 * The script's exit status as read on the host, once every line is stored. A retry that finds
 * the run finished on the host but no status here records it from the run's tombstone.
 */
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
  outcome: {
    id: string;
    status: FinalStatus;
    exitCode?: number | null;
    errorCode?: ErrorCode | null;
    errorMessage?: string | null;
    rejectedBy?: string | null;
    stopPending?: boolean;
  },
): Promise<void> {
  await pool.query(
    `update executions
        set status = $2, exit_code = coalesce($3, exit_code), error_code = $4, error_message = $5, finished_at = now(),
            rejected_by = coalesce($6, rejected_by), stop_pending = $7
      where id = $1 and finished_at is null`,
    [
      outcome.id,
      outcome.status,
      outcome.exitCode ?? null,
      outcome.errorCode ?? null,
      outcome.errorMessage ?? null,
      outcome.rejectedBy ?? null,
      outcome.stopPending ?? false,
    ],
  );
}

/** Ended executions whose run could not be confirmed stopped, oldest first. */
export async function listPendingStops(db: Pool, limit: number): Promise<Execution[]> {
  const { rows } = await db.query<Execution>(
    `select ${columns} from executions where stop_pending and finished_at is not null order by finished_at limit $1`,
    [limit],
  );
  return rows;
}

/** The run of an ended execution is confirmed gone. */
export async function clearPendingStop(db: Pool, id: string): Promise<void> {
  await db.query('update executions set stop_pending = false, remote_stopped_at = coalesce(remote_stopped_at, now()) where id = $1', [id]);
}

/** Whether an earlier run of the job on the environment may still be alive on the host. */
export async function hasPendingStop(db: Pool, jobId: string, environmentId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from executions where stop_pending and job_id = $1 and environment_id = $2 limit 1', [jobId, environmentId]);
  return rows.length > 0;
}
