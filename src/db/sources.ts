import type { Db } from './catalogRows';

/** The system a migration brings data from, e.g. `iclinic`. */
export interface Source {
  id: string;
  name: string;
  system: string;
  description: string | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const sourceColumns = 'id, name, system, description, archived_at as "archivedAt", created_at as "createdAt", updated_at as "updatedAt"';
const columns = sourceColumns;

export async function insertSource(pool: Db, source: Pick<Source, 'name' | 'system' | 'description'>): Promise<Source> {
  const { rows } = await pool.query<Source>(
    `insert into sources (name, system, description) values ($1, $2, $3) returning ${columns}`,
    [source.name, source.system, source.description],
  );
  return rows[0]!;
}

export async function listSources(pool: Db, includeArchived = false): Promise<Source[]> {
  const { rows } = await pool.query<Source>(`select ${columns} from sources where $1::boolean or archived_at is null order by name`, [
    includeArchived,
  ]);
  return rows;
}

export async function getSource(pool: Db, id: string): Promise<Source | undefined> {
  const { rows } = await pool.query<Source>(`select ${columns} from sources where id = $1`, [id]);
  return rows[0];
}
