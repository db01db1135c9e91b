import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Pool } from 'pg';

import * as executions from '../../db/executions';
import { readLines } from '../../db/logStore';
import { queuePosition } from '../../db/slots';
import { decideApproval } from '../../executions/decide';
import { startExecution, type StartRequest } from '../../executions/start';
import type { Logger } from '../../logger';
import { isFinalStatus, progressPercent } from '../../model/execution';
import { logsPageMaxBytes } from '../../logs/pageBudget';
import type { ExecutionTuning } from '../../workflows/types';
import { type Principal, requireRole } from '../auth';
import { decodeCursor, encodeCursor } from '../cursor';
import { HttpError, notFound, parseOrThrow, validationError } from '../problem';
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
  const { pool, temporal } = deps;
  const router = Router();

  const linksOf = (e: Pick<executions.Execution, 'id' | 'workflowId'>) => ({
    self: `/api/v1/executions/${e.id}`,
    logs: `/api/v1/executions/${e.id}/logs`,
    logStream: `/api/v1/executions/${e.id}/logs/stream`,
    logText: `/api/v1/executions/${e.id}/logs.txt`,
    temporalUi: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(e.workflowId)}`,
  });
  // Snapshots hold key paths and shellInit, which only admins read on the environment itself.
  const view = ({ progressDone, progressTotal, jobSnapshot: _job, targetSnapshot: _target, workflowStartedAt: _started, ...e }: executions.Execution) => ({
    ...e,
    links: linksOf(e),
    progress: {
      lines: e.lineCount,
      done: progressDone,
      total: progressTotal,
      percent: progressPercent(progressDone, progressTotal),
    },
  });

  const load = async (id: string): Promise<executions.Execution> => {
    const found = idSchema.safeParse(id).success ? await executions.getExecution(pool, id) : undefined;
    if (!found) throw notFound(`Execution ${id}`);
    return found;
  };

  const start = (principal: Principal, request: StartRequest) => startExecution(deps, principal.name, request);

  const accepted = (e: executions.Execution) => ({ id: e.id, status: e.status, workflowId: e.workflowId, links: linksOf(e) });

  router.post('/executions', requireRole('operator'), async (req, res) => {
    const body = parseOrThrow(executionBody, req.body);
    res.status(202).json(accepted(await start(req.principal!, body)));
  });

  router.post('/executions/:id/rerun', requireRole('operator'), async (req, res) => {
    const previous = await load(req.params.id as string);
    const body = parseOrThrow(rerunBody, req.body);
    const execution = await start(req.principal!, {
      jobId: previous.jobId,
      environmentId: previous.environmentId,
      params: previous.params,
      confirmProduction: body.confirmProduction,
      rerunOf: previous.id,
    });
    res.status(202).json(accepted(execution));
  });

  router.get('/executions', requireRole('viewer'), async (req, res) => {
    const query = parseOrThrow(executionListQuery, req.query);
    const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, [cursorTimestamp, cursorId]) : [];
    const items = await executions
      .listExecutions(pool, {
        statuses: query.status,
        jobId: query.jobId,
        sourceId: query.sourceId,
        environmentId: query.environmentId,
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
      items: page.map(({ sortKey: _sortKey, ...item }) => view(item)),
      nextCursor: items.length > query.limit && last ? encodeCursor([last.sortKey, last.id]) : null,
    });
  });

  router.get('/executions/:id', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id as string);
    res.json({ ...view(execution), queuePosition: await queuePosition(pool, execution.id) });
  });

  router.get('/executions/:id/logs', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id as string);
    const query = parseOrThrow(logsQuery, req.query);
    // A page ends at `limit` lines or at the byte budget, whichever comes first; `nextAfter` is
    // its last line either way, so paging to `complete` returns every line once.
    const lines = await readLines(pool, execution.id, query.after, { maxLines: query.limit, maxBytes: logsPageMaxBytes });
    const nextAfter = lines.at(-1)?.seq ?? query.after;
    const complete = isFinalStatus(execution.status) && nextAfter >= execution.lineCount;
    res.json({ lines, nextAfter, complete });
  });

  router.post('/executions/:id/cancel', requireRole('operator'), async (req, res) => {
    const execution = await load(req.params.id as string);
    parseOrThrow(emptyBody, req.body);
    if (isFinalStatus(execution.status)) {
      throw new HttpError(409, 'CONFLICT', 'Already finished', `Execution ${execution.id} already ended ${execution.status}.`);
    }
    await executions.recordCancelRequest(pool, execution.id, req.principal!.name);
    try {
      await temporal.workflow.getHandle(execution.workflowId).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    res.status(202).json({ id: execution.id, status: execution.status, cancelRequested: true, links: linksOf(execution) });
  });

  const decide = (approve: boolean) => async (req: Request, res: Response) => {
    const execution = await load(req.params.id as string);
    const body = parseOrThrow(decisionBody, req.body);
    res.json(view(await decideApproval(deps, execution.id, req.principal!.name, { approve, reason: body.reason })));
  };
  router.post('/executions/:id/approve', requireRole('operator'), decide(true));
  router.post('/executions/:id/reject', requireRole('operator'), decide(false));

  return router;
}

