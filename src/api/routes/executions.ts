import { randomUUID } from 'node:crypto';

import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import type { Pool } from 'pg';

import { getEnvironment } from '../../db/environments';
import * as executions from '../../db/executions';
import { getJob } from '../../db/jobs';
import { readLines } from '../../db/logStore';
import { withTransaction } from '../../db/pool';
import { queuePosition } from '../../db/slots';
import { paramsSchemaFor } from '../../jobs/parameters';
import type { migrationExecution } from '../../workflows';
import { requireRole } from '../auth';
import { HttpError, notFound, parseOrThrow, validationError } from '../problem';
import { executionBody, idSchema, listQuery, logsQuery } from '../schemas';

export interface ExecutionRouteDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  temporalUiUrl: string;
  namespace: string;
}

const finished: executions.ExecutionStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];

/** Starting, watching and cancelling executions. */
export function executionRoutes(deps: ExecutionRouteDeps): Router {
  const { pool, temporal } = deps;
  const router = Router();

  const linksOf = (e: executions.Execution) => ({
    self: `/api/v1/executions/${e.id}`,
    logs: `/api/v1/executions/${e.id}/logs`,
    temporalUi: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(e.workflowId)}`,
  });
  const view = (e: executions.Execution) => ({ ...e, progress: { lines: e.lineCount }, links: linksOf(e) });

  const load = async (id: string): Promise<executions.Execution> => {
    const found = idSchema.safeParse(id).success ? await executions.getExecution(pool, id) : undefined;
    if (!found) throw notFound(`Execution ${id}`);
    return found;
  };

  router.post('/executions', requireRole('operator'), async (req, res) => {
    const body = parseOrThrow(executionBody, req.body);
    const [job, environment] = await Promise.all([getJob(pool, body.jobId), getEnvironment(pool, body.environmentId)]);
    const missing = [
      ...(job ? [] : [{ path: 'jobId', message: 'no job has this id' }]),
      ...(environment ? [] : [{ path: 'environmentId', message: 'no environment has this id' }]),
    ];
    if (!job || !environment) throw validationError(missing);
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
    const execution = await withTransaction(pool, async (client) => {
      let row: executions.Execution;
      try {
        row = await executions.insertExecution(client, {
          id,
          jobId: job.id,
          environmentId: environment.id,
          params,
          confirmProduction: body.confirmProduction ?? null,
          startedBy: req.principal!.name,
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
          args: [{ executionId: id }],
          staticSummary: `${job.name} on ${environment.name}`,
          staticDetails: `Started by ${row.startedBy} with params ${JSON.stringify(params)}`,
        });
      } catch (err) {
        throw new HttpError(503, 'UNAVAILABLE', 'Temporal unavailable', `The workflow could not be started (${(err as Error).message}); nothing was recorded, try again.`);
      }
      return row;
    });
    res.status(202).json({ id: execution.id, status: execution.status, workflowId: execution.workflowId, links: linksOf(execution) });
  });

  router.get('/executions', requireRole('viewer'), async (req, res) => {
    const query = parseOrThrow(listQuery, req.query);
    res.json({ items: (await executions.listExecutions(pool, query.limit)).map(view), nextCursor: null });
  });

  router.get('/executions/:id', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id as string);
    res.json({ ...view(execution), queuePosition: await queuePosition(pool, execution.id) });
  });

  router.get('/executions/:id/logs', requireRole('viewer'), async (req, res) => {
    const execution = await load(req.params.id as string);
    const query = parseOrThrow(logsQuery, req.query);
    const lines = await readLines(pool, execution.id, query.after, query.limit);
    const nextAfter = lines.at(-1)?.seq ?? query.after;
    const complete = finished.includes(execution.status) && nextAfter >= execution.lineCount;
    res.json({ lines, nextAfter, complete });
  });

  router.post('/executions/:id/cancel', requireRole('operator'), async (req, res) => {
    const execution = await load(req.params.id as string);
    if (finished.includes(execution.status)) {
      throw new HttpError(409, 'CONFLICT', 'Already finished', `Execution ${execution.id} already ended ${execution.status}.`);
    }
    try {
      await temporal.workflow.getHandle(execution.workflowId).cancel();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    res.status(202).json({ id: execution.id, status: execution.status, cancelRequested: true, links: linksOf(execution) });
  });

  return router;
}
