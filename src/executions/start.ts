import { randomUUID } from 'node:crypto';

import type { Client } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';

import { getEnvironment } from '../db/environments';
import * as executions from '../db/executions';
import { getJob } from '../db/jobs';
import { getSource } from '../db/sources';
import { coerceError, MigratorError } from '../errors';
import { parseParams } from '../jobs/parameters';
import { executionSearchAttributes } from '../temporal/searchAttributes';
import type { ExecutionInput, ExecutionTuning } from '../workflows/types';
import { jobSnapshotOf, targetSnapshotOf } from '../model/snapshot';
import { requireProductionConfirmation } from './rules';

export interface StartDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  executionTuning?: ExecutionTuning;
  /** How long the API waits for Temporal to accept a workflow before it gives up on the start. */
  workflowStartTimeoutMs?: number;
}

export interface StartRequest {
  jobId: string;
  environmentId: string;
  params: unknown;
  confirmProduction?: string;
  rerunOf?: string;
  /** Set when a schedule starts the run: which version, and the approval of that version (production). */
  schedule?: ScheduledStart;
}

/** A run started by a schedule: a schedule is not a person, so a production run carries its version's approval. */
export interface ScheduledStart {
  scheduleId: string;
  version: number;
  /** The second operator who approved this version; null off production. */
  approvedBy: string | null;
  approvedAt: Date | null;
  /** The execution's id, derived from the starting workflow's run so that a retried start finds its row. */
  executionId: string;
}

export const defaultWorkflowStartTimeoutMs = 10_000;


/**
 * The checks of a start against the job and environment as they are now: both exist and are
 * not archived, the params fit the job, and a production environment's name was typed back.
 * Schedules check their definition with the same rules.
 */
export async function checkStartRequest(
  pool: Pool | PoolClient,
  request: Pick<StartRequest, 'jobId' | 'environmentId' | 'params' | 'confirmProduction'>) {
  const [job, environment] = await Promise.all([getJob(pool, request.jobId), getEnvironment(pool, request.environmentId)]);
  if (!job || !environment) {
    throw new MigratorError('VALIDATION_FAILED', 'The job or the environment does not exist.', {
      errors: [
        ...(job ? [] : [{ path: 'jobId', message: 'no job has this id' }]),
        ...(environment ? [] : [{ path: 'environmentId', message: 'no environment has this id' }]),
      ],
    });
  }
  const archived = [job.archivedAt ? `job "${job.name}"` : '', environment.archivedAt ? `environment "${environment.name}"` : ''].filter(Boolean);
  if (archived.length > 0) {
    throw new MigratorError(
      'CONFLICT',
      `The ${archived.join(' and ')} ${archived.length > 1 ? 'are' : 'is'} archived; an admin must restore it before anything runs.`,
    );
  }
  const params = parseParams(job.parameters, request.params);
  requireProductionConfirmation(environment, request.confirmProduction);
  return { job, environment, params };
}

/**
 * Starts an execution: validates against the job and environment as they are now, records the
 * row with a snapshot of both, then asks Temporal for its workflow. The row is committed before
 * the start (no transaction, and so no lock, waits on Temporal), and a start that fails or times
 * out marks the row failed at once: no execution stays active without a workflow. The
 * reconciler leaves rows whose start is still pending alone.
 */
export async function startExecution(deps: StartDeps, startedBy: string, request: StartRequest): Promise<executions.Execution> {
  const { pool, temporal } = deps;
  const { job, environment, params } = await checkStartRequest(pool, request);
  if (await executions.hasPendingStop(pool, job.id, environment.id)) {
    throw new MigratorError(
      'ALREADY_RUNNING',
      `An earlier run of job "${job.name}" on "${environment.name}" could not be confirmed stopped (its host was unreachable); ` +
        'Migrator keeps trying to stop it. Start the job again once it has, or check the host.',
    );
  }
  const source = await getSource(pool, job.sourceId);
  const scheduled = request.schedule;
  const preApproved = environment.production && scheduled?.approvedBy ? scheduled : undefined;
  const id = scheduled?.executionId ?? randomUUID();
  let row: executions.Execution;
  try {
    row = await executions.insertExecution(pool, {
      id,
      jobId: job.id,
      environmentId: environment.id,
      params: params,
      confirmProduction: request.confirmProduction ?? null,
      startedBy,
      status: environment.production && !preApproved ? 'awaiting_approval' : 'queued',
      rerunOf: request.rerunOf ?? null,
      jobSnapshot: jobSnapshotOf(job),
      targetSnapshot: targetSnapshotOf(environment),
      approvalTimeoutSeconds: environment.production && !preApproved ? environment.approvalTimeoutSeconds : null,
      ...(scheduled
        ? {
            scheduleId: scheduled.scheduleId,
            scheduleVersion: scheduled.version,
            ...(preApproved
              ? { approvedBy: preApproved.approvedBy, approvedAt: preApproved.approvedAt, approvalNote: `Approved as version ${preApproved.version} of its schedule.` }
              : {}),
          }
        : {}),
    });
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'executions_one_active_per_job_env') {
      throw new MigratorError(
        'ALREADY_RUNNING',
        `Job "${job.name}" already has an active execution on "${environment.name}"; wait for it or cancel it.`,
      );
    }
    throw err;
  }

  const timeoutMs = deps.workflowStartTimeoutMs ?? defaultWorkflowStartTimeoutMs;
  try {
    await temporal.withDeadline(Date.now() + timeoutMs, () =>
      // By name: the workflow body stays out of the API's process.
      temporal.workflow.start('migrationExecution', {
        workflowId: row.workflowId,
        taskQueue: deps.taskQueue,
        args: [{ executionId: id, ...(deps.executionTuning ? { tuning: deps.executionTuning } : {}) } satisfies ExecutionInput],
        staticSummary: `${job.name} on ${environment.name}`,
        staticDetails: [
          `Started by ${row.startedBy}${request.rerunOf ? ` as a rerun of ${request.rerunOf}` : ''}.`,
          `Params: ${JSON.stringify(params)}`,
          `API: /api/v1/executions/${id}`,
        ].join('\n'),
        typedSearchAttributes: executionSearchAttributes({
          job: job.name,
          source: source?.name ?? job.sourceId,
          environment: environment.name,
          startedBy: row.startedBy,
          production: environment.production,
          status: row.status,
        }),
      }),
    );
  } catch (err) {
    const message = `Temporal did not accept the workflow within ${timeoutMs / 1000} s (${coerceError(err).message}); nothing ran. Start it again.`;
    // If Temporal did start it after all, the workflow finds its row finished and ends without running anything.
    await executions.finalizeExecution(pool, { id, status: 'failed', errorCode: 'UNAVAILABLE', errorMessage: message });
    throw new MigratorError('UNAVAILABLE', message, {}, { cause: err });
  }
  // Best effort: a row left pending is confirmed by the reconciler, which finds the workflow running.
  await executions.markWorkflowStarted(pool, id).catch(() => undefined);
  return row;
}
