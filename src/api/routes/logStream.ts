import type { Response } from 'express';
import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { getExecution, type Execution } from '../../db/executions';
import { readLines } from '../../db/logStore';
import { queuePosition } from '../../db/slots';
import { isStillAuthenticated } from '../../db/principalValidity';
import type { LiveTails, TailPosition } from '../../logs/liveTail';
import { streamPageMaxBytes, streamPageMaxLines } from '../../logs/pageBudget';
import { inPieces } from '../../pieces';
import { isFinalStatus } from '../../model/execution';
import { type Principal, requireRole } from '../auth';
import { batchEventPieces, eventPieces, type EventPiece } from '../logEvents';
import { HttpError, notFound, parseQueryOrThrow } from '../problem';
import { clientGone, drained } from '../responseFlow';
import { idSchema } from '../schemas';

export interface LogStreamDeps {
  pool: Pool;
  liveTails: LiveTails;
  /** Seconds between SSE keep-alive comments. */
  keepAliveSeconds?: number;
  /** Seconds between checks that a stream's token is still valid (not revoked, not expired). */
  tokenRecheckSeconds?: number;
  /** Counts the clients following a live log (a Prometheus gauge). */
  clients?: { inc(): void; dec(): void };
}

const streamPage = { maxLines: streamPageMaxLines, maxBytes: streamPageMaxBytes };

export const streamQuery = z
  .object({ after: z.coerce.number().int().min(0).optional().describe('resume after this seq (like Last-Event-ID)') })
  .strict();

/** Live log as server-sent events, and the whole log as text; both stream at the client's pace. */
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
    const gone = clientGone(res);
    const execution = await load(req.params.id);
    const query = parseQueryOrThrow(streamQuery, req.query);
    const header = req.get('last-event-id');
    if (header !== undefined && !/^\d{1,15}$/.test(header.trim())) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'Bad Last-Event-ID', 'Last-Event-ID must be the seq of the last line received.');
    }
    const start = header !== undefined ? Number(header.trim()) : (query.after ?? 0);
    await streamLog(deps, { execution, start, principal: req.principal!, res, gone });
  });

  router.get('/executions/:id/logs.txt', requireRole('viewer'), async (req, res) => {
    const gone = clientGone(res);
    const execution = await load(req.params.id);
    res.status(200).type('text/plain; charset=utf-8');
    res.setHeader('content-disposition', `inline; filename="execution-${execution.id}.log"`);
    let after = 0;
    while (!gone.aborted) {
      const lines = await readLines(pool, execution.id, after, streamPage);
      if (lines.length === 0) break;
      after = lines.at(-1)!.seq;
      // Rendered a piece at a time, and only once the client has taken the previous one.
      for (const piece of inPieces(lines, (l) => (l.continued ? l.text : `${l.text}\n`))) {
        if (!res.write(piece)) await drained(res, gone);
        if (gone.aborted) break;
      }
    }
    res.end();
  });

  return router;
}

interface Stream {
  execution: Execution;
  /** Send the lines after this seq. */
  start: number;
  principal: Principal;
  res: Response;
  /** Aborted when the client is gone; made before the route's first await. */
  gone: AbortSignal;
}

/**
 * Sends every line after `start` once, in order, then keeps following: the lines handed out by
 * the process's live tail when caught up, its own reads from PostgreSQL when behind (on
 * connect, or when the client reads slower than the script prints). Ends with `end` once the
 * execution finished and its last line was sent, or with `unauthenticated` once its token is
 * revoked or expired. Whenever the client leaves, its subscription, timers and gauge count go
 * with it, whatever the stream was waiting for.
 */
async function streamLog(deps: LogStreamDeps, { execution, start, principal, res, gone }: Stream): Promise<void> {
  if (gone.aborted) return;
  let lastSent = start;
  let statusSent: string | undefined;
  let live = false;
  let catchingUp = false;
  let closed = false;
  let position: () => TailPosition = () => ({ seq: execution.lineCount, status: execution.status, handedOut: execution.lineCount });
  let unfollow = (): void => undefined;
  const timers: NodeJS.Timeout[] = [];

  deps.clients?.inc();
  const release = (): void => {
    if (closed) return;
    closed = true;
    deps.clients?.dec();
    for (const timer of timers) clearInterval(timer);
    unfollow();
    gone.removeEventListener('abort', close);
  };
  function close(): void {
    if (closed) return;
    release();
    res.end();
  }
  gone.addEventListener('abort', close);

  // A status event carries the queue position while queued (0 = next); it is sent again when the
  // position moves, which the keep-alive tick looks at.
  let statusWanted: string | undefined;
  const writeStatus = (status: string, queuePosition: number | null): void => {
    const key = `${status}:${queuePosition}`;
    if (closed || status !== statusWanted || key === statusSent) return;
    statusSent = key;
    res.write(`event: status\ndata: ${JSON.stringify({ status, queuePosition })}\n\n`);
  };
  const sendStatus = (status: string): void => {
    statusWanted = status;
    if (status !== 'queued') return writeStatus(status, null);
    void queuePosition(deps.pool, execution.id).then(
      (position) => writeStatus(status, position),
      () => writeStatus(status, null),
    );
  };
  const finishIfDone = (): void => {
    const p = position();
    sendStatus(p.status);
    if (isFinalStatus(p.status) && lastSent >= p.seq) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: p.status, lastSeq: lastSent })}\n\n`);
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
        for (const piece of eventPieces(lines)) {
          if (closed) break;
          lastSent = piece.lastSeq;
          if (!res.write(piece.text)) await drained(res, gone);
        }
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

  /** Writes handed-out events until the client's buffer is full; from there it reads at its own pace. */
  const sendLive = (pieces: Iterable<EventPiece>): void => {
    for (const piece of pieces) {
      lastSent = piece.lastSeq;
      if (!res.write(piece.text)) {
        live = false;
        void drained(res, gone).then(catchUp);
        return;
      }
    }
  };

  let checkingToken = false;
  const recheckToken = async (): Promise<void> => {
    if (checkingToken || closed) return;
    checkingToken = true;
    let valid = true;
    try {
      // A console session ends with its token, at sign-out and when idle too long.
      valid = await isStillAuthenticated(deps.pool, principal);
    } catch {
      // PostgreSQL did not answer: no verdict (revoking needs it too); the next check decides.
    } finally {
      checkingToken = false;
    }
    if (valid || closed) return;
    const problem = {
      status: 401,
      code: 'UNAUTHENTICATED',
      title: principal.sessionId ? 'Session ended' : 'Token no longer valid',
      detail: principal.sessionId
        ? `The session of this stream ended (signed out, idle too long, or its token was revoked); sign in and follow again with Last-Event-ID ${lastSent}.`
        : `The token of this stream was revoked or has expired; follow again with a valid token and Last-Event-ID ${lastSent}.`,
      lastSeq: lastSent,
    };
    res.write(`event: unauthenticated\ndata: ${JSON.stringify(problem)}\n\n`);
    close();
  };

  let subscription: Awaited<ReturnType<LiveTails['follow']>>;
  try {
    subscription = await deps.liveTails.follow(execution.id, {
      onLines(lines) {
        if (!live || closed || lines.length === 0) return;
        const fresh = lines[0]!.seq > lastSent ? lines : lines.filter((l) => l.seq > lastSent);
        if (fresh.length === 0) return;
        if (fresh[0]!.seq !== lastSent + 1) {
          void catchUp();
          return;
        }
        sendLive(fresh === lines ? batchEventPieces(lines) : eventPieces(fresh));
      },
      onMark() {
        if (live && !closed) finishIfDone();
      },
    });
  } catch (err) {
    const left = closed;
    release();
    if (left) return;
    // Nothing was sent yet: the error handler answers with a problem.
    throw err;
  }
  unfollow = subscription.unfollow;
  // The client left while follow() was pending.
  if (closed) {
    unfollow();
    return;
  }
  position = subscription.position;

  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  timers.push(
    setInterval(() => {
      res.write(': keep-alive\n\n');
      if (statusWanted === 'queued') sendStatus('queued');
    }, (deps.keepAliveSeconds ?? 15) * 1000),
    setInterval(() => void recheckToken(), (deps.tokenRecheckSeconds ?? 15) * 1000),
  );
  await catchUp();
}
