import type { Pool, PoolClient, QueryResultRow } from 'pg';

export type Db = Pool | PoolClient;

/** The catalog tables: what admins create, patch, archive and delete. */
export type CatalogTable = 'environments' | 'sources' | 'jobs';

function columnOf(field: string): string {
  // Field names come from strict zod schemas, never from the client as such.
  if (!/^[a-z][A-Za-z]*$/.test(field)) throw new Error(`Not a catalog field: ${field}`);
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Reads one row and locks it for the rest of the transaction, so the audit's `before` is what was changed. */
export async function lockCatalogRow<T extends QueryResultRow>(db: PoolClient, table: CatalogTable, columns: string, id: string): Promise<T | undefined> {
  const { rows } = await db.query<T>(`select ${columns} from ${table} where id = $1 for update`, [id]);
  return rows[0];
}

/**
 * Sets the given fields (camelCase, as the API names them) of one row; `archived` sets or
 * clears `archived_at`. Fields in `jsonFields` are stored as jsonb.
 */
export async function updateCatalogRow<T extends QueryResultRow>(
  db: Db,
  table: CatalogTable,
  columns: string,
  id: string,
  patch: Record<string, unknown>,
  jsonFields: string[] = [],
): Promise<T | undefined> {
  const sets = ['updated_at = now()'];
  const values: unknown[] = [id];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const json = jsonFields.includes(field);
    values.push(json ? JSON.stringify(value) : value);
    const param = `$${values.length}`;
    sets.push(
      field === 'archived'
        ? `archived_at = case when ${param}::boolean then coalesce(archived_at, now()) end`
        : `${columnOf(field)} = ${param}${json ? '::jsonb' : ''}`,
    );
  }
  const { rows } = await db.query<T>(`update ${table} set ${sets.join(', ')} where id = $1 returning ${columns}`, values);
  return rows[0];
}

/** Deletes one row; PostgreSQL refuses (23503) while anything refers to it. */
export async function deleteCatalogRow(db: Db, table: CatalogTable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from ${table} where id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}
