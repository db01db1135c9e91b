import type { Client } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Pool } from 'pg';

import * as executions from '../../db/executions';
import { readLogPage } from '../../db/logStore';
import { decideApproval } from '../../executions/decide';
import { requestCancel } from '../../executions/cancel';
import { startExecution } from '../../executions/start';
import type { Logger } from '../../logger';
import { isFinalStatus } from '../../model/execution';
import { logsPageMaxBytes } from '../../logs/pageBudget';
import type { ExecutionTuning } from '../../workflows/types';
import { type Principal, requireRole } from '../auth';
import { acceptedView, executionView, linksOf } from '../executionView';
import { decodeCursor, encodeCursor } from '../cursor';
import { notFound, parseOrThrow, parseQueryOrThrow, validationError } from '../problem';
import { decisionBody, emptyBody, executionBody, executionListQuery, idSchema, logsQuery, rerunBody } from '../schemas';

export interface ExecutionRouteDeps {
  pool: Pool;
  temporal: Client;
  logger: Logger;
  taskQueue: string;
  temporalUiUrl: string;
  namespace: string;
  executionTuning?: ExecutionTuning;
  workflowStartTimeoutMs?: number;
}


/** A cursor's parts: `created_at` as PostgreSQL prints it, and the id. */
const cursorTimestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const cursorId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** PostgreSQL's invalid datetime format, datetime field overflow, invalid text representation. */
const badValueCodes = ['22007', '22008', '22P02'];
const badCursor = () => validationError([{ path: 'cursor', message: 'is not a cursor this API returned; start again without it' }]);

export function executionRoutes(deps: ExecutionRouteDeps): Router {
  const { pool } = deps;
  const router = Router();

  const load = async (raw: unknown): Promise<executions.ExecutionView> => {
    const id = String(raw);
    const found = idSchema.safeParse(id).success ? await executions.getExecutionView(pool, id) : undefined;
    if (!found) throw notFound(`Execution ${id}`);
    return found;
  };
  const reload = async (id: string, caller: Principal) => executionView(deps, (await executions.getExecutionView(pool, id))!, caller);

  router.post('/executions', requireRole('operator'), async (req, res) => {
    const body = parseOrThrow(executionBody, req.body);
    res.status(202).json(acceptedView(deps, await startExecution(deps, req.principal!.name, body)));
  });

  router.post('/executions/:id/rerun', requireRole('operator'), async (req, res) => {
    const previous = await load(req.params.id);
    const body = parseOrThrow(rerunBody, req.body);
    const request = { jobId: previous.jobId, environmentId: previous.environmentId, params: previous.params, rerunOf: previous.id };
    res.status(202).json(acceptedView(deps, await startExecution(deps, req.principal!.name, { ...request, ...body })));
  });

  router.get('/executions', requireRole('viewer'), async (req, res) => {
    const query = parseQueryOrThrow(executionListQuery, req.query);
    const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, [cursorTimestamp, cursorId]) : [];
    const items = await executions
      .listExecutions(pool, {
        statuses: query.status,
        jobId: query.jobId,
        sourceId: query.sourceId,
        environmentId: query.environmentId,
        jobName: query.job,
        sourceName: query.source,
        environmentName: query.environment,
        startedBy: query.startedBy,
        from: query.from,
        to: query.to,
        after: createdAt && id ? { createdAt, id } : undefined,
        limit: query.limit + 1,
      })
      .catch((err: unknown) => {
        // A crafted cursor of the right shape but no real instant (month 13, hour 25).
        if (query.cursor && badValueCodes.includes((err as { code?: string }).code ?? '')) throw badCursor();
        throw err;
      });
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      items: page.map((item) => executionView(deps, item, req.principal!)),
      nextCursor: items.length > query.limit && last ? encodeCursor([last.sortKey, last.id]) : null,
    });
  });

  router.get('/executions/:id', requireRole('viewer'), async (req, res) => {
    res.json(executionView(deps, await load(req.params.id), req.principal!));
  });

  router.get('/executions/:id/logs', requireRole('viewer'), async (req, res) => {
    const parsed = logsQuery.safeParse(req.query);
    // An unknown execution answers 404 before a bad query answers 400.
    if (!parsed.success) await load(req.params.id);
    const query = parsed.success ? parsed.data : parseQueryOrThrow(logsQuery, req.query);
    const id = String(req.params.id);
    // A page ends at `limit` lines or at the byte budget, whichever comes first; `nextAfter` is
    // its last line either way, so paging to `complete` returns every line once. `before` and
    // `tail` read upwards from the end; `previousBefore` pages further up. The execution's
    // status and line count come with the lines, from the same statement.
    const upwards = query.before ?? (query.tail !== undefined ? Number.MAX_SAFE_INTEGER : undefined);
    const budget = { maxLines: query.tail ?? query.limit, maxBytes: logsPageMaxBytes };
    const after = query.after ?? 0;
    const page = idSchema.safeParse(id).success
      ? await readLogPage(pool, id, upwards ?? after, upwards !== undefined ? 'before' : 'after', budget)
      : undefined;
    if (!page) throw notFound(`Execution ${id}`);
    const { lines, lineCount } = page;
    const nextAfter = lines.at(-1)?.seq ?? (upwards !== undefined ? Math.min(upwards - 1, lineCount) : after);
    const first = lines[0]?.seq;
    const complete = isFinalStatus(page.status) && nextAfter >= lineCount;
    res.json({ lines, nextAfter, previousBefore: first !== undefined && first > 1 ? first : null, complete, lineCount });
  });

  router.post('/executions/:id/cancel', requireRole('operator'), async (req, res) => {
    const execution = await load(req.params.id);
    parseOrThrow(emptyBody, req.body);
    await requestCancel(deps, execution.id, req.principal!.name);
    res.status(202).json({ id: execution.id, status: execution.status, cancelRequested: true, links: linksOf(deps, execution) });
  });

  const decide = (approve: boolean) => async (req: Request, res: Response) => {
    const execution = await load(req.params.id);
    const body = parseOrThrow(decisionBody, req.body);
    await decideApproval(deps, execution.id, req.principal!.name, { approve, reason: body.reason });
    res.json(await reload(execution.id, req.principal!));
  };
  router.post('/executions/:id/approve', requireRole('operator'), decide(true));
  router.post('/executions/:id/reject', requireRole('operator'), decide(false));

  return router;
}
