import type { Pool, PoolClient } from 'pg';

import type { ScheduleDefinition } from '../schedules/model';
import { withTransaction } from './pool';

type Db = Pool | PoolClient;

/** A schedule as stored: its current definition, its pause and its approval. */
export interface Schedule extends ScheduleDefinition {
  id: string;
  confirmProduction: string | null;
  paused: boolean;
  pausedBy: string | null;
  pausedAt: Date | null;
  pauseReason: string | null;
  version: number;
  approvedVersion: number | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  /** The spec Temporal described after Migrator last set it. */
  temporalSpec: unknown;
  overlapSkipsRecorded: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One version of a schedule: what an approval approves. */
export interface ScheduleVersion {
  scheduleId: string;
  version: number;
  definition: ScheduleDefinition;
  jobRevision: string;
  environmentRevision: string;
  production: boolean;
  createdBy: string;
  createdAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
}

export interface ScheduleRun {
  id: string;
  scheduleId: string;
  version: number | null;
  at: Date;
  outcome: 'started' | 'skipped';
  executionId: string | null;
  reasonCode: string | null;
  reason: string | null;
}

const columns = `id, name, job_id as "jobId", environment_id as "environmentId", params, cron, interval_seconds as "intervalSeconds",
  time_zone as "timeZone", note, overlap, confirm_production as "confirmProduction", paused, paused_by as "pausedBy",
  paused_at as "pausedAt", pause_reason as "pauseReason", version, approved_version as "approvedVersion",
  approved_by as "approvedBy", approved_at as "approvedAt", temporal_spec as "temporalSpec",
  overlap_skips_recorded as "overlapSkipsRecorded", created_by as "createdBy", created_at as "createdAt", updated_at as "updatedAt"`;

const versionColumns = `schedule_id as "scheduleId", version, definition, job_revision as "jobRevision",
  environment_revision as "environmentRevision", production, created_by as "createdBy", created_at as "createdAt",
  approved_by as "approvedBy", approved_at as "approvedAt"`;

const runColumns = `id::text, schedule_id as "scheduleId", version, at, outcome, execution_id as "executionId",
  reason_code as "reasonCode", reason`;

/** The definition's columns in the order both writes use them ($2 to $11). */
function definitionValues(row: ScheduleDefinition & { confirmProduction: string | null }): unknown[] {
  return [row.name, row.jobId, row.environmentId, JSON.stringify(row.params), row.cron, row.intervalSeconds, row.timeZone, row.note, row.overlap, row.confirmProduction];
}

export async function insertSchedule(
  db: Db,
  row: ScheduleDefinition & { id: string; confirmProduction: string | null; createdBy: string },
): Promise<Schedule> {
  const { rows } = await db.query<Schedule>(
    `insert into schedules (id, name, job_id, environment_id, params, cron, interval_seconds, time_zone, note, overlap,
                            confirm_production, created_by)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12) returning ${columns}`,
    [row.id, ...definitionValues(row), row.createdBy],
  );
  return rows[0]!;
}

/** Writes the definition as the given version. */
export async function updateDefinition(
  db: Db,
  id: string,
  row: ScheduleDefinition & { confirmProduction: string | null; version: number },
): Promise<Schedule> {
  const { rows } = await db.query<Schedule>(
    `update schedules set name = $2, job_id = $3, environment_id = $4, params = $5::jsonb, cron = $6, interval_seconds = $7,
            time_zone = $8, note = $9, overlap = $10, confirm_production = $11, version = $12, updated_at = now()
      where id = $1 returning ${columns}`,
    [id, ...definitionValues(row), row.version],
  );
  return rows[0]!;
}

export async function insertVersion(db: Db, v: Omit<ScheduleVersion, 'createdAt' | 'approvedBy' | 'approvedAt'>): Promise<void> {
  await db.query(
    `insert into schedule_versions (schedule_id, version, definition, job_revision, environment_revision, production, created_by)
     values ($1, $2, $3::jsonb, $4, $5, $6, $7)`,
    [v.scheduleId, v.version, JSON.stringify(v.definition), v.jobRevision, v.environmentRevision, v.production, v.createdBy],
  );
}

export async function getVersion(db: Db, scheduleId: string, version: number): Promise<ScheduleVersion | undefined> {
  const { rows } = await db.query<ScheduleVersion>(`select ${versionColumns} from schedule_versions where schedule_id = $1 and version = $2`, [
    scheduleId,
    version,
  ]);
  return rows[0];
}

/** A schedule not deleted; `forUpdate` locks it for the rest of the transaction. */
export async function getSchedule(db: Db, id: string, forUpdate = false): Promise<Schedule | undefined> {
  const { rows } = await db.query<Schedule>(
    `select ${columns} from schedules where id = $1 and deleted_at is null${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

export async function listSchedules(db: Db): Promise<Schedule[]> {
  const { rows } = await db.query<Schedule>(`select ${columns} from schedules where deleted_at is null order by name`);
  return rows;
}

export async function setPaused(db: Db, id: string, pause: { paused: boolean; by: string | null; reason: string | null }): Promise<Schedule> {
  const { rows } = await db.query<Schedule>(
    `update schedules set paused = $2, paused_by = case when $2 then $3 end, paused_at = case when $2 then now() end,
            pause_reason = case when $2 then $4 end, updated_at = now()
      where id = $1 returning ${columns}`,
    [id, pause.paused, pause.by, pause.reason],
  );
  return rows[0]!;
}

export async function approveVersion(db: Db, id: string, version: number, by: string): Promise<Schedule> {
  await db.query(`update schedule_versions set approved_by = $3, approved_at = now() where schedule_id = $1 and version = $2`, [id, version, by]);
  const { rows } = await db.query<Schedule>(
    `update schedules set approved_version = $2, approved_by = $3, approved_at = now(), updated_at = now() where id = $1 returning ${columns}`,
    [id, version, by],
  );
  return rows[0]!;
}

export async function setTemporalSpec(db: Db, id: string, spec: unknown): Promise<void> {
  await db.query(`update schedules set temporal_spec = $2::jsonb where id = $1`, [id, JSON.stringify(spec)]);
}

export async function markDeleted(db: Db, id: string, by: string): Promise<void> {
  await db.query(`update schedules set deleted_at = now(), deleted_by = $2, updated_at = now() where id = $1`, [id, by]);
}

/** Records a run once per starting workflow; a retried activity finds the first record. */
export async function recordRun(
  db: Db,
  run: { scheduleId: string; version: number | null; outcome: 'started' | 'skipped'; executionId?: string; reasonCode?: string; reason?: string; workflowId?: string },
): Promise<ScheduleRun> {
  const { rows } = await db.query<ScheduleRun>(
    `with inserted as (
       insert into schedule_runs (schedule_id, version, outcome, execution_id, reason_code, reason, workflow_id)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (workflow_id) do nothing returning ${runColumns})
     select * from inserted
     union all
     select ${runColumns} from schedule_runs where workflow_id = $7 and not exists (select 1 from inserted)`,
    [run.scheduleId, run.version, run.outcome, run.executionId ?? null, run.reasonCode ?? null, run.reason ?? null, run.workflowId ?? null],
  );
  return rows[0]!;
}

/** The run recorded under any of `keys` (a workflow run's key, and the workflow id runs were once recorded by). */
export async function findRunOfWorkflow(db: Db, keys: string[]): Promise<ScheduleRun | undefined> {
  const { rows } = await db.query<ScheduleRun>(`select ${runColumns} from schedule_runs where workflow_id = any($1::text[]) order by id limit 1`, [keys]);
  return rows[0];
}

export async function listRuns(db: Db, scheduleId: string, limit: number): Promise<ScheduleRun[]> {
  const { rows } = await db.query<ScheduleRun>(`select ${runColumns} from schedule_runs where schedule_id = $1 order by schedule_runs.id desc limit $2`, [
    scheduleId,
    limit,
  ]);
  return rows;
}

/**
 * Temporal counts the runs its overlap policy skipped; records the ones not recorded yet as
 * skipped runs, once (the count only grows). Returns the ids of the runs it recorded.
 */
export async function recordOverlapSkips(pool: Pool, scheduleId: string, skippedTotal: number, version: number): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ n: number }>(`select overlap_skips_recorded as n from schedules where id = $1 for update`, [scheduleId]);
    const recorded = rows[0]?.n;
    if (recorded === undefined || recorded >= skippedTotal) return [];
    const inserted = await client.query<{ id: string }>(
      `insert into schedule_runs (schedule_id, version, outcome, reason_code, reason)
       select $1, $2, 'skipped', 'OVERLAP', 'The previous run was still going, and the overlap policy skips a run while one is running.'
         from generate_series(1, $3::int)
       returning id::text`,
      [scheduleId, version, skippedTotal - recorded],
    );
    await client.query(`update schedules set overlap_skips_recorded = $2 where id = $1`, [scheduleId, skippedTotal]);
    return inserted.rows.map((r) => r.id);
  });
}

export async function getRun(db: Db, runId: string): Promise<ScheduleRun | undefined> {
  const { rows } = await db.query<ScheduleRun>(`select ${runColumns} from schedule_runs where id = $1::bigint`, [runId]);
  return rows[0];
}

/** What a notification names about a schedule, deleted or not: deliveries outlive the schedule's deletion. */
export async function getScheduleNames(db: Db, id: string): Promise<{ id: string; name: string; jobId: string; environmentId: string; deleted: boolean } | undefined> {
  const { rows } = await db.query<{ id: string; name: string; jobId: string; environmentId: string; deleted: boolean }>(
    `select id, name, job_id as "jobId", environment_id as "environmentId", deleted_at is not null as deleted from schedules where id = $1`,
    [id],
  );
  return rows[0];
}
