import type { Pool } from 'pg';

import { getEnvironment, type Environment } from '../db/environments';
import { getExecution, type Execution } from '../db/executions';
import { getJob, type Job } from '../db/jobs';
import { MigratorError } from '../errors';
import { paramsSchemaFor, toArgv } from '../jobs/parameters';
import type { RunSpec } from '../ssh/remoteRun';

export interface ExecutionContext {
  execution: Execution;
  job: Job;
  environment: Environment;
  /** Params re-validated against the job's current schema, as positional argv. */
  argv: string[];
}

/** Loads everything an activity needs by execution id; the workflow carries ids only. */
export async function loadExecutionContext(pool: Pool, executionId: string): Promise<ExecutionContext> {
  const execution = await getExecution(pool, executionId);
  if (!execution) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist in the database.`);
  const [job, environment] = await Promise.all([getJob(pool, execution.jobId), getEnvironment(pool, execution.environmentId)]);
  if (!job) throw new MigratorError('NOT_FOUND', `Job ${execution.jobId} of execution ${executionId} no longer exists.`);
  if (!environment) {
    throw new MigratorError('NOT_FOUND', `Environment ${execution.environmentId} of execution ${executionId} no longer exists.`);
  }
  const parsed = paramsSchemaFor(job.parameters).safeParse(execution.params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
    throw new MigratorError('VALIDATION_FAILED', `The params no longer match job "${job.name}": ${problems}.`);
  }
  return { execution, job, environment, argv: toArgv(job.parameters, parsed.data) };
}

export function runSpecOf(ctx: ExecutionContext): RunSpec {
  return {
    executionId: ctx.execution.id,
    scriptPath: ctx.job.scriptPath,
    interpreter: ctx.job.interpreter,
    args: ctx.argv,
    nodePath: ctx.environment.nodePath,
    shellInit: ctx.environment.shellInit,
  };
}
