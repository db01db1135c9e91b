import { finished } from 'node:stream/promises';

import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import { MigratorError } from '../errors';
import type { ExecutionStatus, OutputStream, ProgressMark } from '../model/execution';
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
 * A page of the stored lines of execution `$1` in order: those after `$2`, oldest first; or
 * (`direction: 'before'`) the newest ones before `$2`, for reading upwards from the tail. The
 * page stops at `$3` lines or once `$4` bytes of text are in it, whichever comes first, but
 * always holds one line if there is one.
 */
function pageSql(direction: 'after' | 'before'): string {
  const [cmp, order] = direction === 'after' ? ['>', 'asc'] : ['<', 'desc'];
  return `select seq, stream, ts, text, continued
       from (select seq, stream, ts, text, continued,
                    row_number() over w as n,
                    sum(octet_length(text)) over w as bytes_so_far
               from log_lines
              where execution_id = $1 and seq ${cmp} $2
             window w as (order by seq ${order} rows between unbounded preceding and current row)
              order by seq ${order}
              limit $3) page
      where n = 1 or bytes_so_far <= $4`;
}

async function readPage(pool: Pool, executionId: string, from: number, direction: 'after' | 'before', limit: PageLimit): Promise<StoredLine[]> {
  const { rows } = await pool.query<{ seq: string; stream: OutputStream; ts: Date; text: string; continued: boolean }>(
    `${pageSql(direction)} order by seq`,
    [executionId, from, limit.maxLines, limit.maxBytes],
  );
  return rows.map((r) => ({ seq: Number(r.seq), stream: r.stream, ts: r.ts, text: r.text, continued: r.continued }));
}

/** A stored line as the API answers it: `ts` already as `Date.toJSON` prints it (UTC, milliseconds). */
export interface AnsweredLine extends Omit<StoredLine, 'ts'> {
  ts: string;
}

/** A page of an execution's log, and where the execution stands, as one snapshot saw them. */
export interface LogPage {
  status: ExecutionStatus;
  lineCount: number;
  lines: AnsweredLine[];
}

/**
 * `ts` printed as JSON prints the Date pg would make of it: truncated to the millisecond, as both
 * pg's parser and `to_char`'s MS do. Parsing a thousand timestamps into Dates and printing them
 * back cost more than the rest of a page's JSON.
 */
const isoTs = `to_char(p.ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A page as `readLines` or `readLinesBefore` reads it, with the execution's status and line
 * count from the same statement: one round trip instead of two, and no line the count does not
 * cover. Undefined when the execution does not exist.
 */
export async function readLogPage(
  pool: Pool,
  executionId: string,
  from: number,
  direction: 'after' | 'before',
  limit: PageLimit,
): Promise<LogPage | undefined> {
  const { rows } = await pool.query<{ status: ExecutionStatus; line_count: number; seq: string | null; stream: OutputStream; ts: string; text: string; continued: boolean }>(
    `select x.status, x.last_seq::int as line_count, p.seq, p.stream, ${isoTs} as ts, p.text, p.continued
       from executions x
       left join lateral (${pageSql(direction)}) p on true
      where x.id = $1
      order by p.seq`,
    [executionId, from, limit.maxLines, limit.maxBytes],
  );
  const first = rows[0];
  if (!first) return undefined;
  // An execution without a line in the page comes back as one row of nulls beside its status.
  const lines = first.seq === null ? [] : rows.map((r) => ({ seq: Number(r.seq), stream: r.stream, ts: r.ts, text: r.text, continued: r.continued }));
  return { status: first.status, lineCount: first.line_count, lines };
}

/** A page of stored lines after `after`, in order. */
export function readLines(pool: Pool, executionId: string, after: number, limit: PageLimit): Promise<StoredLine[]> {
  return readPage(pool, executionId, after, 'after', limit);
}

/** The newest lines before `before` (within the same budgets), in order. */
export function readLinesBefore(pool: Pool, executionId: string, before: number, limit: PageLimit): Promise<StoredLine[]> {
  return readPage(pool, executionId, before, 'before', limit);
}
