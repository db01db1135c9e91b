import type { Pool } from 'pg';

/** The system a migration brings data from, e.g. `iclinic`. */
export interface Source {
  id: string;
  name: string;
  system: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = 'id, name, system, description, created_at as "createdAt", updated_at as "updatedAt"';

export async function insertSource(pool: Pool, source: Pick<Source, 'name' | 'system' | 'description'>): Promise<Source> {
  const { rows } = await pool.query<Source>(
    `insert into sources (name, system, description) values ($1, $2, $3) returning ${columns}`,
    [source.name, source.system, source.description],
  );
  return rows[0]!;
}

export async function listSources(pool: Pool): Promise<Source[]> {
  const { rows } = await pool.query<Source>(`select ${columns} from sources where archived_at is null order by name`);
  return rows;
}

export async function getSource(pool: Pool, id: string): Promise<Source | undefined> {
  const { rows } = await pool.query<Source>(`select ${columns} from sources where id = $1`, [id]);
  return rows[0];
}
