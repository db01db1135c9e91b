import { randomUUID } from 'node:crypto';

import { type Client, WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

import { coerceError, isErrorCode, MigratorError } from '../errors';
import type { EnvironmentCheckInput, EnvironmentCheckResult } from '../model/environmentCheck';

export const defaultEnvironmentCheckTimeoutMs = 30_000;

export interface EnvironmentCheckStart {
  temporal: Client;
  /** The workers' task queue: whichever worker takes the check has the keys. */
  taskQueue: string;
  /** How long the caller waits for a worker's answer (30 s by default). */
  timeoutMs?: number;
}

function noWorkerAnswered(start: EnvironmentCheckStart, waitedSeconds: number): MigratorError {
  return new MigratorError(
    'UNAVAILABLE',
    `No worker answered the environment check within ${waitedSeconds} s; nothing was pinned. ` +
      `Check that a worker runs on task queue "${start.taskQueue}" (only workers hold the SSH keys and reach hosts), then run the check again.`,
  );
}

/** The design's code a failed check carries: its activity's failure type, or UNAVAILABLE when no worker finished it in time. */
function failureOf(err: unknown, start: EnvironmentCheckStart, waitedSeconds: number): MigratorError {
  const workflowCause = err instanceof WorkflowFailedError ? err.cause : undefined;
  const cause = workflowCause instanceof ActivityFailure ? workflowCause.cause : workflowCause;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) return new MigratorError(cause.type, cause.message);
  // The workflow's own timeout (or the terminate below) came first: the same as no answer in time.
  if (cause instanceof TimeoutFailure || cause instanceof TerminatedFailure) return noWorkerAnswered(start, waitedSeconds);
  return new MigratorError('INTERNAL', `The environment check failed: ${coerceError(err).message}`, {}, { cause: err });
}

/**
 * Runs the `environmentCheck` workflow on a worker and waits for its answer, at most
 * `timeoutMs`. The workflow may not outlive that wait (its execution timeout, and a terminate
 * when the wait ends), so a worker that comes along later finds it closed and pins nothing.
 */
export async function checkEnvironmentOnWorker(
  start: EnvironmentCheckStart,
  environment: { id: string; name: string },
  actor: string,
): Promise<EnvironmentCheckResult> {
  const { temporal } = start;
  const timeoutMs = start.timeoutMs ?? defaultEnvironmentCheckTimeoutMs;
  const waitedSeconds = Math.round(timeoutMs / 100) / 10;
  const answerBy = Date.now() + timeoutMs;
  let started: WorkflowHandleWithFirstExecutionRunId;
  try {
    started = await temporal.withDeadline(answerBy, () =>
      // By name: the workflow body stays out of the API's process.
      temporal.workflow.start('environmentCheck', {
        workflowId: `environment-check-${environment.id}-${randomUUID()}`,
        taskQueue: start.taskQueue,
        args: [{ environmentId: environment.id, actor, answerBy } satisfies EnvironmentCheckInput],
        workflowExecutionTimeout: timeoutMs,
        staticSummary: `Connectivity check of environment ${environment.name}`,
      }),
    );
  } catch (err) {
    throw new MigratorError(
      'UNAVAILABLE',
      `Temporal did not accept the environment check within ${waitedSeconds} s (${coerceError(err).message}); nothing was checked. Try again.`,
      {},
      { cause: err },
    );
  }
  const settled = started.result().then(
    (result: EnvironmentCheckResult) => ({ result }),
    (error: unknown) => ({ error }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, answerBy - Date.now()));
  });
  const outcome = await Promise.race([settled, late]).finally(() => clearTimeout(timer));
  if (outcome === 'late') {
    // Ended now rather than at its own timeout, so that no worker takes it up after this answer.
    await temporal
      .withDeadline(Date.now() + 5_000, () => started.terminate('The API stopped waiting for the environment check.'))
      .catch(() => undefined);
    throw noWorkerAnswered(start, waitedSeconds);
  }
  if ('error' in outcome) throw failureOf(outcome.error, start, waitedSeconds);
  return outcome.result;
}
