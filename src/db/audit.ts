import type { Pool, PoolClient } from 'pg';

export const auditEntityTypes = ['environment', 'source', 'job', 'token', 'schedule', 'notification_target'] as const;
export type AuditEntityType = (typeof auditEntityTypes)[number];

/** One change to the catalog or the tokens: who, what, and the record before and after. */
export interface AuditEntry {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entityType: AuditEntityType;
  entityId: string;
  before: unknown;
  after: unknown;
}

type Db = Pool | PoolClient;

/** Appends an entry; call it in the transaction that makes the change, so neither exists without the other. */
export async function recordAudit(
  db: Db,
  entry: { actor: string; action: string; entityType: AuditEntityType; entityId: string; before?: unknown; after?: unknown },
): Promise<void> {
  await db.query(
    `insert into audit_log (actor, action, entity_type, entity_id, before, after) values ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
    [
      entry.actor,
      entry.action,
      entry.entityType,
      entry.entityId,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
    ],
  );
}

export interface AuditQuery {
  entityType?: AuditEntityType;
  entityId?: string;
  actor?: string;
  /** Entries older than this id (the previous page's last). */
  beforeId?: string;
  limit: number;
}

/** Newest first, keyset-paginated by id. */
export async function listAudit(db: Db, q: AuditQuery): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditEntry>(
    `select id::text, at, actor, action, entity_type as "entityType", entity_id as "entityId", before, after
       from audit_log
      where ($1::text is null or entity_type = $1)
        and ($2::uuid is null or entity_id = $2)
        and ($3::text is null or actor = $3)
        and ($4::bigint is null or id < $4)
      order by audit_log.id desc
      limit $5`,
    [q.entityType ?? null, q.entityId ?? null, q.actor ?? null, q.beforeId ?? null, q.limit],
  );
  return rows;
}
