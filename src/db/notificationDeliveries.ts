import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export interface NotificationDelivery {
  id: string;
  targetId: string;
  event: string;
  executionId: string | null;
  /** Set on deliveries about a schedule: `schedule.run_skipped` names its run, `schedule.awaiting_approval` its version. */
  scheduleId: string | null;
  scheduleVersion: number | null;
  scheduleRunId: string | null;
  workflowId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const columns = `id, target_id as "targetId", event, execution_id as "executionId",
  schedule_id as "scheduleId", schedule_version as "scheduleVersion", schedule_run_id::text as "scheduleRunId", workflow_id as "workflowId", status, attempts,
  last_status as "lastStatus", last_error as "lastError", last_attempt_at as "lastAttemptAt", delivered_at as "deliveredAt", created_at as "createdAt"`;

/** The delivery of this workflow id, created the first time: announcing an event again finds the same one. */
export async function ensureDelivery(
  db: Db,
  d: {
    targetId: string;
    event: string;
    executionId: string | null;
    workflowId: string;
    schedule?: { id: string; version: number | null; runId: string | null };
  },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `with created as (
       insert into notification_deliveries (target_id, event, execution_id, workflow_id, schedule_id, schedule_version, schedule_run_id)
       values ($1, $2, $3, $4, $5, $6, $7::bigint)
       on conflict (workflow_id) do nothing returning id)
     select id from created union all select id from notification_deliveries where workflow_id = $4
     limit 1`,
    [d.targetId, d.event, d.executionId, d.workflowId, d.schedule?.id ?? null, d.schedule?.version ?? null, d.schedule?.runId ?? null],
  );
  return rows[0]!.id;
}

export async function getDelivery(db: Db, id: string): Promise<NotificationDelivery | null> {
  const { rows } = await db.query<NotificationDelivery>(`select ${columns} from notification_deliveries where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listDeliveries(db: Db, targetId: string, limit: number): Promise<NotificationDelivery[]> {
  const { rows } = await db.query<NotificationDelivery>(
    `select ${columns} from notification_deliveries where target_id = $1 order by created_at desc, id limit $2`,
    [targetId, limit],
  );
  return rows;
}

/** One attempt's outcome; a delivered delivery stays delivered. */
export async function recordAttempt(db: Db, id: string, a: { httpStatus: number | null; error: string | null; delivered: boolean }): Promise<void> {
  await db.query(
    `update notification_deliveries set
       attempts = attempts + 1, last_status = $2, last_error = $3, last_attempt_at = now(),
       status = case when $4 then 'delivered' else status end,
       delivered_at = case when $4 then now() else delivered_at end
     where id = $1 and status <> 'delivered'`,
    [id, a.httpStatus, a.error, a.delivered],
  );
}

/** Retries ran out (or the target refused for good): the delivery is given up. */
export async function markDeliveryFailed(db: Db, id: string, reason: string): Promise<void> {
  await db.query(
    `update notification_deliveries set status = 'failed', last_error = coalesce(last_error, $2) where id = $1 and status = 'pending'`,
    [id, reason],
  );
}
