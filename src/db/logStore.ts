import { finished } from 'node:stream/promises';

import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import { MigratorError } from '../errors';
import type { OutputStream, ProgressMark } from '../model/execution';
import { inPieces } from '../pieces';
import { withTransaction } from './pool';

export interface StoredLine {
  seq: number;
  stream: OutputStream;
  ts: Date;
  text: string;
  /** A piece of a line longer than the cap; the line goes on in the next one. */
  continued: boolean;
}

export type { ProgressMark } from '../model/execution';

export interface ReadPosition {
  stdoutOffset: number;
  stderrOffset: number;
  lastSeq: number;
}

/** The committed read position of an execution: where a (re-)attach resumes. */
export async function readPosition(pool: Pool, executionId: string): Promise<ReadPosition> {
  const { rows } = await pool.query<{ stdout_offset: string; stderr_offset: string; last_seq: string }>(
    'select stdout_offset, stderr_offset, last_seq from executions where id = $1',
    [executionId],
  );
  const row = rows[0];
  if (!row) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist.`);
  return { stdoutOffset: Number(row.stdout_offset), stderrOffset: Number(row.stderr_offset), lastSeq: Number(row.last_seq) };
}

/**
 * Stores a batch of lines and advances the read position in one transaction. The update is
 * conditional on the position the batch was read from, so a second attempt that is still
 * alive (a worker presumed dead) cannot store the same lines twice: it gets a conflict.
 */
export async function appendBatch(
  pool: Pool,
  executionId: string,
  from: ReadPosition,
  to: ReadPosition,
  lines: StoredLine[],
  progress: ProgressMark | null = null,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    const moved = await client.query(
      `update executions set stdout_offset = $2, stderr_offset = $3, last_seq = $4,
              progress_done = coalesce($8, progress_done), progress_total = coalesce($9, progress_total)
        where id = $1 and stdout_offset = $5 and stderr_offset = $6 and last_seq = $7`,
      [
        executionId,
        to.stdoutOffset,
        to.stderrOffset,
        to.lastSeq,
        from.stdoutOffset,
        from.stderrOffset,
        from.lastSeq,
        progress?.done ?? null,
        progress?.total ?? null,
      ],
    );
    if (moved.rowCount !== 1) {
      // An attempt the server had already given up on (a missed heartbeat) may still commit a last
      // batch after the next attempt read the position: this one gives way, the next re-reads it.
      throw new MigratorError(
        'CONFLICT',
        `The log position of execution ${executionId} moved under this attempt; another attempt stored output meanwhile, so the next attempt re-reads the position.`,
        {},
        { retryable: true },
      );
    }
    if (lines.length === 0) return;
    // COPY parses far less than an INSERT of unnested arrays: the database is the bottleneck.
    const copy = client.query(copyFrom('copy log_lines (execution_id, seq, stream, ts, text, continued) from stdin'));
    for (const piece of copyRows(executionId, lines)) copy.write(piece);
    copy.end();
    await finished(copy);
  });
}

/** COPY's text format: tab-separated, one row a line, backslash escapes; in pieces (see `inPieces`). */
function copyRows(executionId: string, lines: StoredLine[]): Iterable<string> {
  let lastTs: Date | undefined;
  let ts = '';
  return inPieces(lines, (line) => {
    if (line.ts !== lastTs) {
      lastTs = line.ts;
      ts = line.ts.toISOString();
    }
    return `${executionId}\t${line.seq}\t${line.stream}\t${ts}\t${escapeCopyText(line.text)}\t${line.continued ? 't' : 'f'}\n`;
  });
}

const hasCopySpecial = /[\\\t\n\r]/;
const copySpecial = /[\\\t\n\r]/g;
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Lines never hold NUL (the splitter replaces it), which COPY could not carry. */
export function escapeCopyText(text: string): string {
  return hasCopySpecial.test(text) ? text.replace(copySpecial, (c) => copyEscapes[c]!) : text;
}

/** How much one read of `readLines` may return. */
export interface PageLimit {
  maxLines: number;
  /** Bytes of line text in all; the first line comes whatever its size. */
  maxBytes: number;
}

/**
 * A page of stored lines in order: those after `after`, oldest first; or (`direction:
 * 'before'`) the newest ones before a seq, for reading upwards from the tail. The page stops at
 * `maxLines` or once `maxBytes` of text are in it, whichever comes first, but always holds one
 * line if there is one.
 */
async function readPage(pool: Pool, executionId: string, from: number, direction: 'after' | 'before', limit: PageLimit): Promise<StoredLine[]> {
  const [cmp, order] = direction === 'after' ? ['>', 'asc'] : ['<', 'desc'];
  const { rows } = await pool.query<{ seq: string; stream: OutputStream; ts: Date; text: string; continued: boolean }>(
    `select seq, stream, ts, text, continued
       from (select seq, stream, ts, text, continued,
                    row_number() over w as n,
                    sum(octet_length(text)) over w as bytes_so_far
               from log_lines
              where execution_id = $1 and seq ${cmp} $2
             window w as (order by seq ${order} rows between unbounded preceding and current row)
              order by seq ${order}
              limit $3) page
      where n = 1 or bytes_so_far <= $4
      order by seq`,
    [executionId, from, limit.maxLines, limit.maxBytes],
  );
  return rows.map((r) => ({ seq: Number(r.seq), stream: r.stream, ts: r.ts, text: r.text, continued: r.continued }));
}

/** A page of stored lines after `after`, in order. */
export function readLines(pool: Pool, executionId: string, after: number, limit: PageLimit): Promise<StoredLine[]> {
  return readPage(pool, executionId, after, 'after', limit);
}

/** The newest lines before `before` (within the same budgets), in order. */
export function readLinesBefore(pool: Pool, executionId: string, before: number, limit: PageLimit): Promise<StoredLine[]> {
  return readPage(pool, executionId, before, 'before', limit);
}
