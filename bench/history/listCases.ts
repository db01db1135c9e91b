import type { Pool } from 'pg';

import type { ExecutionFilter } from '../../src/db/executions';
import type { HistoryCatalog } from './generate';

/** One way of calling `GET /executions`: its query string, and the filter the route hands to listExecutions. */
export interface ListCase {
  name: string;
  query: Record<string, string>;
  filter: Omit<ExecutionFilter, 'limit' | 'after'>;
}

/** The page size the API uses when none is asked for; the route asks for one more row to know there is a next page. */
export const listPageSize = 50;

/**
 * Every filter the API offers, each alone, plus none: values picked from the generated
 * history (the first job, source and environment, a login of 40 and a rare one, a year-wide window) and one
 * status no generated row has (`running`), the worst case for a filter the sort index does not cover.
 */
export async function listCases(db: Pool, catalog: HistoryCatalog): Promise<ListCase[]> {
  const { rows } = await db.query<{ job: string; source_id: string; source: string; environment: string }>(
    `select j.name as job, s.id as source_id, s.name as source, (select name from environments where id = $2) as environment
       from jobs j join sources s on s.id = j.source_id where j.id = $1`,
    [catalog.jobIds[0], catalog.environmentIds[0]],
  );
  const r = rows[0]!;
  const from = new Date(Date.now() - 548 * 86_400_000).toISOString();
  const to = new Date(Date.now() - 183 * 86_400_000).toISOString();
  return [
    { name: 'no filter', query: {}, filter: {} },
    { name: 'status=failed', query: { status: 'failed' }, filter: { statuses: ['failed'] } },
    { name: 'status=running (none in the history)', query: { status: 'running' }, filter: { statuses: ['running'] } },
    { name: 'status=cancelled,rejected', query: { status: 'cancelled,rejected' }, filter: { statuses: ['cancelled', 'rejected'] } },
    { name: 'jobId', query: { jobId: catalog.jobIds[0]! }, filter: { jobId: catalog.jobIds[0] } },
    { name: 'job (name)', query: { job: r.job }, filter: { jobName: r.job } },
    { name: 'sourceId', query: { sourceId: r.source_id }, filter: { sourceId: r.source_id } },
    { name: 'source (name)', query: { source: r.source }, filter: { sourceName: r.source } },
    { name: 'environmentId', query: { environmentId: catalog.environmentIds[0]! }, filter: { environmentId: catalog.environmentIds[0] } },
    { name: 'environment (name)', query: { environment: r.environment }, filter: { environmentName: r.environment } },
    { name: 'startedBy', query: { startedBy: 'history-user-7' }, filter: { startedBy: 'history-user-7' } },
    { name: 'startedBy (a login with 1 in 20,000 runs)', query: { startedBy: 'history-rare-user' }, filter: { startedBy: 'history-rare-user' } },
    { name: 'from+to (one year, ending 6 months ago)', query: { from, to }, filter: { from, to } },
  ];
}

/**
 * The sort key a deep page starts after: the generated execution in the middle of the
 * history (about a year back, 500,000 rows down with no filter), as the API's cursor carries it.
 */
export async function deepSortKey(db: Pool, executions: number): Promise<{ createdAt: string; id: string }> {
  const { rows } = await db.query<{ created_at: string; id: string }>(
    `select x.created_at::text as created_at, x.id::text as id from executions x join history_plan p on p.id = x.id where p.i = $1`,
    [Math.max(1, Math.floor(executions / 2))],
  );
  return { createdAt: rows[0]!.created_at, id: rows[0]!.id };
}
