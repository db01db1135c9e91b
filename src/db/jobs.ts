import type { Db } from './catalogRows';

import type { ParameterDefinition } from '../jobs/parameters';
import type { Interpreter } from '../model/execution';

/** What to run: a script on the host and its ordered positional parameters. */
export interface Job {
  id: string;
  name: string;
  sourceId: string;
  scriptPath: string;
  interpreter: Interpreter;
  parameters: ParameterDefinition[];
  timeoutSeconds: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewJob = Omit<Job, 'id' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

export const jobColumns = `id, name, source_id as "sourceId", script_path as "scriptPath", interpreter, parameters,
  timeout_seconds as "timeoutSeconds", archived_at as "archivedAt", created_at as "createdAt", updated_at as "updatedAt"`;
const columns = jobColumns;

export async function insertJob(pool: Db, job: NewJob): Promise<Job> {
  const { rows } = await pool.query<Job>(
    `insert into jobs (name, source_id, script_path, interpreter, parameters, timeout_seconds)
     values ($1, $2, $3, $4, $5::jsonb, $6) returning ${columns}`,
    [job.name, job.sourceId, job.scriptPath, job.interpreter, JSON.stringify(job.parameters), job.timeoutSeconds],
  );
  return rows[0]!;
}

export async function listJobs(pool: Db, includeArchived = false): Promise<Job[]> {
  const { rows } = await pool.query<Job>(`select ${columns} from jobs where $1::boolean or archived_at is null order by name`, [
    includeArchived,
  ]);
  return rows;
}

export async function getJob(pool: Db, id: string): Promise<Job | undefined> {
  const { rows } = await pool.query<Job>(`select ${columns} from jobs where id = $1`, [id]);
  return rows[0];
}
