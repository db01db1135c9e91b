import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { getExecution, type Execution } from '../../db/executions';
import { readLines, type StoredLine } from '../../db/logStore';
import type { LiveTails, TailPosition } from '../../logs/liveTail';
import { streamPageMaxBytes, streamPageMaxLines } from '../../logs/pageBudget';
import { inPieces } from '../../logs/pieces';
import { requireRole } from '../auth';
import { HttpError, notFound, parseOrThrow } from '../problem';
import { idSchema } from '../schemas';

export interface LogStreamDeps {
  pool: Pool;
  liveTails: LiveTails;
  /** Seconds between SSE keep-alive comments. */
  keepAliveSeconds?: number;
  /** Counts the clients following a live log (a Prometheus gauge). */
  clients?: { inc(): void; dec(): void };
}

const finalStatuses: Execution['status'][] = ['succeeded', 'failed', 'cancelled', 'rejected'];
const streamPage = { maxLines: streamPageMaxLines, maxBytes: streamPageMaxBytes };

export const streamQuery = z
  .object({ after: z.coerce.number().int().min(0).optional().describe('resume after this seq (like Last-Event-ID)') })
  .strict();

/** Resolves once the response can take more, or is gone; leaves no listener behind. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function lineEvent(line: StoredLine): string {
  const data = JSON.stringify({ seq: line.seq, stream: line.stream, ts: line.ts, text: line.text, continued: line.continued });
  return `id: ${line.seq}\nevent: log\ndata: ${data}\n\n`;
}

/** Writes every piece; false when the response buffer is full: wait for `drain` before writing more. */
function writeAll(res: Response, pieces: Iterable<string>): boolean {
  let ok = true;
  for (const piece of pieces) ok = res.write(piece) && ok;
  return ok;
}

/** The events of `lines`, in pieces (see `inPieces`). */
function renderEvents(lines: StoredLine[]): string[] {
  return [...inPieces(lines, lineEvent)];
}

/** The live tail hands the same batch to every follower: render it once for all of them. */
const renderedBatches = new WeakMap<StoredLine[], string[]>();

function batchEvents(lines: StoredLine[]): string[] {
  let rendered = renderedBatches.get(lines);
  if (rendered === undefined) {
    rendered = renderEvents(lines);
    renderedBatches.set(lines, rendered);
  }
  return rendered;
}

/** Live log as server-sent events, and the whole log as text; both stream without holding the log in memory. */
export function logStreamRoutes(deps: LogStreamDeps): Router {
  const { pool } = deps;
  const router = Router();

  const load = async (raw: unknown): Promise<Execution> => {
    const id = String(raw);
    const execution = idSchema.safeParse(id).success ? await getExecution(pool, id) : undefined;
    if (!execution) throw notFound(`Execution ${id}`);
    return execution;
  };

  router.get('/executions/:id/logs/stream', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id);
    const query = parseOrThrow(streamQuery, req.query);
    const header = req.get('last-event-id');
    if (header !== undefined && !/^\d{1,15}$/.test(header.trim())) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'Bad Last-Event-ID', 'Last-Event-ID must be the seq of the last line received.');
    }
    const start = header !== undefined ? Number(header.trim()) : (query.after ?? 0);
    await streamLog(deps, execution, start, req, res);
  });

  router.get('/executions/:id/logs.txt', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id);
    res.status(200).type('text/plain; charset=utf-8');
    res.setHeader('content-disposition', `inline; filename="execution-${execution.id}.log"`);
    let after = 0;
    for (;;) {
      const lines = await readLines(pool, execution.id, after, streamPage);
      if (lines.length === 0 || res.destroyed) break;
      after = lines.at(-1)!.seq;
      if (!writeAll(res, inPieces(lines, (l) => (l.continued ? l.text : `${l.text}\n`)))) await drained(res);
    }
    res.end();
  });

  return router;
}

/**
 * Sends every line after `start` once, in order, then keeps following: the lines handed out by
 * the process's live tail when caught up, its own reads from PostgreSQL when behind (on
 * connect, or when the client reads slower than the script prints). Ends with `end` once the
 * execution finished and its last line was sent.
 */
async function streamLog(deps: LogStreamDeps, execution: Execution, start: number, req: Request, res: Response): Promise<void> {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  deps.clients?.inc();

  let lastSent = start;
  let statusSent: string | undefined;
  let live = false;
  let catchingUp = false;
  let closed = false;
  let position: () => TailPosition = () => ({ seq: execution.lineCount, status: execution.status, handedOut: execution.lineCount });

  const write = (chunk: string): boolean => res.write(chunk);
  const close = (): void => {
    if (closed) return;
    closed = true;
    deps.clients?.dec();
    clearInterval(keepAlive);
    unfollow();
    res.end();
  };
  const sendStatus = (status: string): void => {
    if (status === statusSent) return;
    statusSent = status;
    write(`event: status\ndata: ${JSON.stringify({ status })}\n\n`);
  };
  const finishIfDone = (): void => {
    const p = position();
    sendStatus(p.status);
    if (finalStatuses.includes(p.status) && lastSent >= p.seq) {
      write(`event: end\ndata: ${JSON.stringify({ status: p.status, lastSeq: lastSent })}\n\n`);
      close();
    }
  };

  const catchUp = async (): Promise<void> => {
    if (catchingUp || closed) return;
    catchingUp = true;
    live = false;
    try {
      while (!closed) {
        const target = position().handedOut;
        if (lastSent >= target) break;
        const lines = await readLines(deps.pool, execution.id, lastSent, { ...streamPage, maxLines: Math.min(streamPage.maxLines, target - lastSent) });
        // Deleted by retention: nothing left to send below the target.
        if (lines.length === 0) {
          lastSent = target;
          break;
        }
        lastSent = lines.at(-1)!.seq;
        if (!writeAll(res, renderEvents(lines))) await drained(res);
      }
      live = !closed;
    } catch {
      close();
      return;
    } finally {
      catchingUp = false;
    }
    if (!closed) finishIfDone();
  };

  const { position: tailPosition, unfollow } = await deps.liveTails.follow(execution.id, {
    onLines(lines) {
      if (!live || closed) return;
      const fresh = lines.filter((l) => l.seq > lastSent);
      if (fresh.length === 0) return;
      if (fresh[0]!.seq !== lastSent + 1) {
        void catchUp();
        return;
      }
      lastSent = fresh.at(-1)!.seq;
      const events = fresh.length === lines.length ? batchEvents(lines) : renderEvents(fresh);
      // A slow client stops taking handed-out lines and reads at its own pace once drained.
      if (!writeAll(res, events)) {
        live = false;
        void drained(res).then(catchUp);
      }
    },
    onMark() {
      if (live && !closed) finishIfDone();
    },
  });
  position = tailPosition;
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), (deps.keepAliveSeconds ?? 15) * 1000);
  req.on('close', close);
  await catchUp();
}
