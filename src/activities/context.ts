import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import { getExecution, recordSnapshots, type Execution } from '../db/executions';
import { getJob } from '../db/jobs';
import { MigratorError } from '../errors';
import { jobSnapshotOf, targetSnapshotOf, type JobSnapshot, type TargetSnapshot } from '../model/snapshot';
import { paramsSchemaFor, toArgv } from '../jobs/parameters';
import type { SshTarget } from '../ssh/connection';
import { sshTargetOf } from '../ssh/target';
import type { RunSpec } from '../ssh/remoteRun';

export interface ExecutionContext {
  execution: Execution;
  /** The job and the connection as they were when the execution started: what was approved. */
  job: JobSnapshot;
  target: TargetSnapshot;
  /** Params validated against the snapshot's parameters, as positional argv. */
  argv: string[];
}

/**
 * Loads everything an activity needs by execution id; the workflow carries ids only. Every
 * attempt uses the snapshot taken at the start, never the job or environment as edited since.
 */
export async function loadExecutionContext(pool: Pool, executionId: string): Promise<ExecutionContext> {
  const found = await getExecution(pool, executionId);
  if (!found) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist in the database.`);
  const execution = found.jobSnapshot && found.targetSnapshot ? found : await takeSnapshots(pool, found);
  const { jobSnapshot: job, targetSnapshot: target } = execution;
  if (!job || !target) throw new MigratorError('INTERNAL', `Execution ${executionId} has no snapshot of its job and environment.`);
  const parsed = paramsSchemaFor(job.parameters).safeParse(execution.params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new MigratorError('VALIDATION_FAILED', `The params do not match job "${job.name}": ${problems}.`);
  }
  return { execution, job, target, argv: toArgv(job.parameters, parsed.data) };
}

/**
 * A row written without snapshots (by hand, or by a tool other than the API) takes them from
 * the job and environment as they are at its first step; every later step uses what was taken.
 */
async function takeSnapshots(pool: Pool, execution: Execution): Promise<Execution> {
  const [job, environment] = await Promise.all([getJob(pool, execution.jobId), getEnvironment(pool, execution.environmentId)]);
  if (!job) throw new MigratorError('NOT_FOUND', `Job ${execution.jobId} of execution ${execution.id} no longer exists.`);
  if (!environment) throw new MigratorError('NOT_FOUND', `Environment ${execution.environmentId} of execution ${execution.id} no longer exists.`);
  return recordSnapshots(pool, execution.id, jobSnapshotOf(job), targetSnapshotOf(environment));
}

/** Like `loadExecutionContext`, for steps that must not act on an execution that already ended. */
export async function loadActiveExecutionContext(pool: Pool, executionId: string): Promise<ExecutionContext> {
  const ctx = await loadExecutionContext(pool, executionId);
  if (ctx.execution.finishedAt) {
    throw new MigratorError('CONFLICT', `Execution ${executionId} already ended ${ctx.execution.status}; nothing more is done for it.`);
  }
  return ctx;
}

export function sshTargetOfSnapshot(target: TargetSnapshot): SshTarget {
  return sshTargetOf({ ...target, name: target.environmentName });
}

export function runSpecOf(ctx: ExecutionContext): RunSpec {
  return {
    executionId: ctx.execution.id,
    scriptPath: ctx.job.scriptPath,
    interpreter: ctx.job.interpreter,
    args: ctx.argv,
    nodePath: ctx.target.nodePath,
    shellInit: ctx.target.shellInit,
  };
}
