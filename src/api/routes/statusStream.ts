import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { isStillAuthenticated } from '../../db/principalValidity';
import type { LiveTails, StatusChange } from '../../logs/liveTail';
import { progressPercent } from '../../model/execution';
import { requireRole } from '../auth';
import { parseQueryOrThrow } from '../problem';
import { clientGone } from '../responseFlow';
import { idSchema } from '../schemas';

export interface StatusStreamDeps {
  pool: Pool;
  liveTails: LiveTails;
  keepAliveSeconds?: number;
  /** Seconds between checks that the stream's session or token still authenticates. */
  tokenRecheckSeconds?: number;
}

export const statusStreamQuery = z
  .object({
    environmentId: idSchema.optional().describe('only this environment'),
    jobId: idSchema.optional().describe('only this job'),
  })
  .strict();

/**
 * `GET /executions/events`: every status change of every execution (new ones included) as
 * server-sent events, so the history on screen changes within a second without each page
 * polling. `status` events carry ids and statuses, `progress` events an execution's progress as
 * its answer has it; the client reads the execution for the rest.
 * `resync` says some changes may have been missed (the server's notification connection came
 * back): read the list again.
 */
export function statusStreamRoutes(deps: StatusStreamDeps): Router {
  const router = Router();
  router.get('/executions/events', requireRole('viewer'), async (req, res) => {
    const gone = clientGone(res);
    const filter = parseQueryOrThrow(statusStreamQuery, req.query);
    const principal = req.principal!;
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const write = (event: string, data: unknown): void => {
      if (!gone.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const wanted = (c: Pick<StatusChange, 'environmentId' | 'jobId'>): boolean =>
      (!filter.environmentId || c.environmentId === filter.environmentId) && (!filter.jobId || c.jobId === filter.jobId);
    const unfollow = deps.liveTails.followStatuses({
      onChange: ({ kind, progressDone, progressTotal, lines, ...change }) => {
        if (!wanted(change)) return;
        if (kind !== 'progress') return write('status', change);
        const [done, total] = [progressDone ?? null, progressTotal ?? null];
        write('progress', { id: change.id, progress: { lines: lines ?? 0, done, total, percent: progressPercent(done, total) } });
      },
      onResync: () => write('resync', {}),
    });
    const timers = [
      setInterval(() => res.write(': keep-alive\n\n'), (deps.keepAliveSeconds ?? 15) * 1000),
      setInterval(() => {
        void isStillAuthenticated(deps.pool, principal).then(
          (valid) => {
            if (valid || gone.aborted) return;
            write('unauthenticated', { status: 401, code: 'UNAUTHENTICATED', title: 'Sign in again', detail: 'The session or token of this stream is no longer valid.' });
            res.end();
          },
          () => undefined,
        );
      }, (deps.tokenRecheckSeconds ?? 15) * 1000),
    ];
    const stop = (): void => {
      unfollow();
      for (const t of timers) clearInterval(t);
    };
    if (gone.aborted) stop();
    else gone.addEventListener('abort', stop, { once: true });
    write('ready', {});
  });
  return router;
}
