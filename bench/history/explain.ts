import type { Pool, PoolClient } from 'pg';

/**
 * A stand-in for the pool that runs each query of a src/db function under `EXPLAIN (ANALYZE,
 * BUFFERS)` with the same parameters, so the plans shown are those of the exact SQL the API
 * runs. The function's result is meaningless; the plans are collected.
 */
export function explainingPool(db: Pool | PoolClient): { pool: Pool; plans: string[][] } {
  const plans: string[][] = [];
  const pool = {
    async query(text: string, values?: unknown[]) {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${text}`, values);
      plans.push(rows.map((r) => r['QUERY PLAN']));
      return { rows: [], rowCount: 0 };
    },
  };
  return { pool: pool as unknown as Pool, plans };
}

/** The index names a plan scans, and whether it reads any table sequentially. */
export function summarizePlan(plan: string[]): { indexes: string[]; seqScans: string[]; ms: number; sharedHit: number; sharedRead: number } {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  let sharedHit = 0;
  let sharedRead = 0;
  for (const line of plan) {
    const index = /(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\S+)/.exec(line);
    if (index) indexes.add(index[1]!);
    const seq = /Seq Scan on (\S+)/.exec(line);
    if (seq) seqScans.add(seq[1]!);
  }
  // The top node's buffers are the whole query's.
  const top = plan.find((l) => /Buffers:/.test(l)) ?? '';
  sharedHit = Number(/hit=(\d+)/.exec(top)?.[1] ?? 0);
  sharedRead = Number(/read=(\d+)/.exec(top)?.[1] ?? 0);
  const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? Number.NaN);
  return { indexes: [...indexes], seqScans: [...seqScans], ms, sharedHit, sharedRead };
}

/**
 * Runs `fn` in a transaction where `index` is dropped, then rolls the drop back: the plan a
 * query had before the migration that added the index. Holds a lock on the table meanwhile.
 */
export async function withoutIndex<T>(db: Pool, index: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('begin');
    await client.query(`drop index ${index}`);
    return await fn(client);
  } finally {
    await client.query('rollback').catch(() => undefined);
    client.release();
  }
}
