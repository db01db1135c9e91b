import { randomUUID } from 'node:crypto';

import { ApplicationFailure, type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Pool } from 'pg';

import { getEnvironment } from '../../db/environments';
import * as executions from '../../db/executions';
import { getJob } from '../../db/jobs';
import { getSource } from '../../db/sources';
import { readLines } from '../../db/logStore';
import { withTransaction } from '../../db/pool';
import { queuePosition } from '../../db/slots';
import { paramsSchemaFor } from '../../jobs/parameters';
import { coerceError } from '../../errors';
import { logsPageMaxBytes } from '../../logs/pageBudget';
import { executionSearchAttributes } from '../../temporal/searchAttributes';
import { approveUpdate, type migrationExecution, rejectUpdate } from '../../workflows';
import type { ExecutionTuning } from '../../workflows/types';
import { type Principal, requireRole } from '../auth';
import { decodeCursor, encodeCursor } from '../cursor';
import { HttpError, notFound, parseOrThrow, validationError } from '../problem';
import { decisionBody, emptyBody, executionBody, executionListQuery, idSchema, logsQuery, rerunBody } from '../schemas';

export interface ExecutionRouteDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  temporalUiUrl: string;
  namespace: string;
  executionTuning?: ExecutionTuning;
}

const finished: executions.ExecutionStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];

/** Starting, watching, approving, rejecting, cancelling and re-running executions. */
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
  const view = ({ progressDone, progressTotal, ...e }: executions.Execution) => ({
    ...e,
    links: linksOf(e),
    progress: {
      lines: e.lineCount,
      done: progressDone,
      total: progressTotal,
      percent: progressDone !== null && progressTotal ? Math.floor((progressDone / progressTotal) * 1000) / 10 : null,
    },
  });

  const load = async (id: string): Promise<executions.Execution> => {
    const found = idSchema.safeParse(id).success ? await executions.getExecution(pool, id) : undefined;
    if (!found) throw notFound(`Execution ${id}`);
    return found;
  };

  interface StartRequest {
    jobId: string;
    environmentId: string;
    params: unknown;
    confirmProduction?: string;
    rerunOf?: string;
  }

  /** Validates against the job and environment as they are now, records the execution and starts its workflow, atomically. */
  const start = async (principal: Principal, body: StartRequest): Promise<executions.Execution> => {
    const [job, environment] = await Promise.all([getJob(pool, body.jobId), getEnvironment(pool, body.environmentId)]);
    const source = job && (await getSource(pool, job.sourceId));
    const missing = [
      ...(job ? [] : [{ path: 'jobId', message: 'no job has this id' }]),
      ...(environment ? [] : [{ path: 'environmentId', message: 'no environment has this id' }]),
    ];
    if (!job || !environment) throw validationError(missing);
    const archived = [job.archivedAt ? `job "${job.name}"` : '', environment.archivedAt ? `environment "${environment.name}"` : ''].filter(Boolean);
    if (archived.length > 0) {
      throw new HttpError(409, 'CONFLICT', 'Archived', `The ${archived.join(' and ')} ${archived.length > 1 ? 'are' : 'is'} archived; an admin must restore it before anything runs.`);
    }
    const params = parseOrThrow(paramsSchemaFor(job.parameters), body.params, ['params']);
    if (environment.production && body.confirmProduction !== environment.name) {
      throw new HttpError(
        400,
        'PRODUCTION_CONFIRMATION_REQUIRED',
        'Production confirmation required',
        `"${environment.name}" is a production environment: send confirmProduction equal to "${environment.name}" to start it.`,
      );
    }
    const id = randomUUID();
    return withTransaction(pool, async (client) => {
      let row: executions.Execution;
      try {
        row = await executions.insertExecution(client, {
          id,
          jobId: job.id,
          environmentId: environment.id,
          params,
          confirmProduction: body.confirmProduction ?? null,
          startedBy: principal.name,
          status: environment.production ? 'awaiting_approval' : 'queued',
          rerunOf: body.rerunOf ?? null,
        });
      } catch (err) {
        if ((err as { constraint?: string }).constraint === 'executions_one_active_per_job_env') {
          throw new HttpError(
            409,
            'ALREADY_RUNNING',
            'Already running',
            `Job "${job.name}" already has an active execution on "${environment.name}"; wait for it or cancel it.`,
          );
        }
        throw err;
      }
      // Started inside the transaction: if Temporal refuses, the row is rolled back too.
      try {
        await temporal.workflow.start<typeof migrationExecution>('migrationExecution', {
          workflowId: row.workflowId,
          taskQueue: deps.taskQueue,
          args: [{ executionId: id, ...(deps.executionTuning ? { tuning: deps.executionTuning } : {}) }],
          staticSummary: `${job.name} on ${environment.name}`,
          staticDetails: [
            `Started by ${row.startedBy}${body.rerunOf ? ` as a rerun of ${body.rerunOf}` : ''}.`,
            `Params: ${JSON.stringify(params)}`,
            `API: /api/v1/executions/${id}`,
          ].join('\n'),
          typedSearchAttributes: executionSearchAttributes({
            job: job.name,
            source: source?.name ?? job.sourceId,
            environment: environment.name,
            startedBy: row.startedBy,
            production: environment.production,
          }),
        });
      } catch (err) {
        throw new HttpError(503, 'UNAVAILABLE', 'Temporal unavailable', `The workflow could not be started (${(err as Error).message}); nothing was recorded, try again.`);
      }
      return row;
    });
  };

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
    const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, [/^[0-9 :.+-]{10,40}$/, /^[0-9a-f-]{36}$/]) : [];
    const items = await executions.listExecutions(pool, {
      statuses: query.status,
      jobId: query.jobId,
      sourceId: query.sourceId,
      environmentId: query.environmentId,
      startedBy: query.startedBy,
      from: query.from,
      to: query.to,
      after: createdAt && id ? { createdAt, id } : undefined,
      limit: query.limit + 1,
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
    const complete = finished.includes(execution.status) && nextAfter >= execution.lineCount;
    res.json({ lines, nextAfter, complete });
  });

  router.post('/executions/:id/cancel', requireRole('operator'), async (req, res) => {
    const execution = await load(req.params.id as string);
    parseOrThrow(emptyBody, req.body);
    if (finished.includes(execution.status)) {
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

  const decide = (update: typeof approveUpdate | typeof rejectUpdate) => async (req: Request, res: Response) => {
    const execution = await load(req.params.id as string);
    const body = parseOrThrow(decisionBody, req.body);
    const by = req.principal!.name;
    if (execution.status !== 'awaiting_approval') {
      throw new HttpError(409, 'CONFLICT', 'Not awaiting approval', `Execution ${execution.id} is ${execution.status}, not awaiting approval.`);
    }
    if (update === approveUpdate && execution.startedBy === by) {
      throw new HttpError(403, 'FORBIDDEN', 'Self-approval', `You started execution ${execution.id}; another operator must approve it.`);
    }
    try {
      await temporal.workflow.getHandle(execution.workflowId).executeUpdate(update, { args: [{ by, ...body }] });
    } catch (err) {
      throw decisionRefused(err, execution.id);
    }
    res.json(view((await executions.getExecution(pool, execution.id))!));
  };
  router.post('/executions/:id/approve', requireRole('operator'), decide(approveUpdate));
  router.post('/executions/:id/reject', requireRole('operator'), decide(rejectUpdate));

  return router;
}

/** The workflow refused the decision (its validator), or it already ended: say why, never 500. */
function decisionRefused(err: unknown, executionId: string): HttpError {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === 'FORBIDDEN') {
    return new HttpError(403, 'FORBIDDEN', 'Self-approval', cause.message);
  }
  if ((cause instanceof ApplicationFailure && cause.type === 'CONFLICT') || err instanceof WorkflowNotFoundError) {
    return new HttpError(409, 'CONFLICT', 'Not awaiting approval', `Execution ${executionId} is no longer awaiting approval.`);
  }
  return new HttpError(503, 'UNAVAILABLE', 'Temporal unavailable', `The decision could not be delivered (${coerceError(err).message}); try again.`);
}
