import type { Pool } from 'pg';

/** Bytes on disk: the whole database, and each history table with its indexes and TOAST. */
export interface HistorySizes {
  database: number;
  executions: number;
  logLines: number;
  /** log_lines' heap alone, and its primary-key index. */
  logLinesHeap: number;
  logLinesIndex: number;
}

export async function historySizes(db: Pool): Promise<HistorySizes> {
  const { rows } = await db.query<Record<keyof HistorySizes, string>>(
    `select pg_database_size(current_database()) as database,
            pg_total_relation_size('executions') as executions,
            pg_total_relation_size('log_lines') as "logLines",
            pg_relation_size('log_lines') as "logLinesHeap",
            pg_indexes_size('log_lines') as "logLinesIndex"`,
  );
  const r = rows[0]!;
  return {
    database: Number(r.database),
    executions: Number(r.executions),
    logLines: Number(r.logLines),
    logLinesHeap: Number(r.logLinesHeap),
    logLinesIndex: Number(r.logLinesIndex),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

export function describeSizes(s: HistorySizes): string {
  return (
    `database ${formatBytes(s.database)}, executions ${formatBytes(s.executions)}, log_lines ${formatBytes(s.logLines)} ` +
    `(heap ${formatBytes(s.logLinesHeap)}, index ${formatBytes(s.logLinesIndex)})`
  );
}
