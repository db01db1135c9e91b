import type { Pool, PoolClient } from 'pg';

import type { NotificationFormat } from '../notifications/events';

type Db = Pool | PoolClient;


/** What a delivery needs: the sealed URL and secret, opened only by the worker that sends. */
export interface SealedTarget {
  id: string;
  name: string;
  format: NotificationFormat;
  urlSealed: string;
  secretSealed: string;
}

export interface TargetFields {
  name: string;
  events: string[];
  environmentIds: string[] | null;
  jobIds: string[] | null;
  onlyProduction: boolean;
  format: NotificationFormat;
  enabled: boolean;
}

/** A target as answers and the audit log show it: the URL masked, the secret never. */
export interface NotificationTarget extends TargetFields {
  id: string;
  url: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date;
}

export interface NewTarget extends TargetFields {
  urlSealed: string;
  urlDisplay: string;
  secretSealed: string;
  createdBy: string;
}

const targetColumns = `id, name, url_display as url, events, environment_ids as "environmentIds", job_ids as "jobIds",
  only_production as "onlyProduction", format, enabled, created_by as "createdBy", created_at as "createdAt",
  updated_at as "updatedAt", secret_rotated_at as "secretRotatedAt"`;

/** `https://hooks.example.org/…`: enough to recognise a target, not enough to post to it. */
export function maskUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}/…`;
}

export async function insertTarget(db: Db, t: NewTarget): Promise<NotificationTarget> {
  const { rows } = await db.query<NotificationTarget>(
    `insert into notification_targets (name, url_sealed, url_display, secret_sealed, events, environment_ids, job_ids, only_production, format, enabled, created_by)
     values ($1, $2, $3, $4, $5::text[], $6::uuid[], $7::uuid[], $8, $9, $10, $11)
     returning ${targetColumns}`,
    [t.name, t.urlSealed, t.urlDisplay, t.secretSealed, t.events, t.environmentIds, t.jobIds, t.onlyProduction, t.format, t.enabled, t.createdBy],
  );
  return rows[0]!;
}

export async function listTargets(db: Db): Promise<NotificationTarget[]> {
  const { rows } = await db.query<NotificationTarget>(`select ${targetColumns} from notification_targets order by name, id`);
  return rows;
}

export async function getTarget(db: Db, id: string, forUpdate = false): Promise<NotificationTarget | null> {
  const { rows } = await db.query<NotificationTarget>(`select ${targetColumns} from notification_targets where id = $1${forUpdate ? ' for update' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function getSealedTarget(db: Db, id: string): Promise<SealedTarget | null> {
  const { rows } = await db.query<SealedTarget>(
    `select id, name, format, url_sealed as "urlSealed", secret_sealed as "secretSealed" from notification_targets where id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Changes the given fields (and the URL when `url` is given); returns the target after, or null when it does not exist. */
export async function updateTarget(
  db: Db,
  id: string,
  patch: Partial<TargetFields> & { url?: { sealed: string; display: string } },
): Promise<NotificationTarget | null> {
  const { rows } = await db.query<NotificationTarget>(
    `update notification_targets set
       name = coalesce($2, name),
       events = coalesce($3::text[], events),
       environment_ids = case when $4::boolean then $5::uuid[] else environment_ids end,
       job_ids = case when $6::boolean then $7::uuid[] else job_ids end,
       only_production = coalesce($8, only_production),
       format = coalesce($9, format),
       enabled = coalesce($10, enabled),
       url_sealed = coalesce($11, url_sealed),
       url_display = coalesce($12, url_display),
       updated_at = now()
     where id = $1
     returning ${targetColumns}`,
    [
      id,
      patch.name ?? null,
      patch.events ?? null,
      patch.environmentIds !== undefined,
      patch.environmentIds ?? null,
      patch.jobIds !== undefined,
      patch.jobIds ?? null,
      patch.onlyProduction ?? null,
      patch.format ?? null,
      patch.enabled ?? null,
      patch.url?.sealed ?? null,
      patch.url?.display ?? null,
    ],
  );
  return rows[0] ?? null;
}

export async function rotateTargetSecret(db: Db, id: string, secretSealed: string): Promise<NotificationTarget | null> {
  const { rows } = await db.query<NotificationTarget>(
    `update notification_targets set secret_sealed = $2, secret_rotated_at = now(), updated_at = now() where id = $1 returning ${targetColumns}`,
    [id, secretSealed],
  );
  return rows[0] ?? null;
}

export async function deleteTarget(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from notification_targets where id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** The enabled targets that want `event` about an execution of `jobId` on `environmentId`. */
export async function matchingTargets(db: Db, m: { event: string; environmentId: string; jobId: string; production: boolean }): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from notification_targets
      where enabled and $1 = any (events)
        and (environment_ids is null or $2::uuid = any (environment_ids))
        and (job_ids is null or $3::uuid = any (job_ids))
        and (not only_production or $4::boolean)
      order by id`,
    [m.event, m.environmentId, m.jobId, m.production],
  );
  return rows.map((r) => r.id);
}
