import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import { MigratorError, coerceError, retryableCodes } from '../errors';

/**
 * Converts what an activity threw into what Temporal should see: a named failure whose `type`
 * is the design's code, non-retryable unless the code is; other errors stay retryable.
 */
export function toTemporalFailure(err: unknown): Error {
  if (err instanceof CancelledFailure || err instanceof ApplicationFailure) return err;
  if (isConnectionFailure(err)) {
    const cause = coerceError(err);
    return ApplicationFailure.create({
      type: 'UNAVAILABLE',
      message: `PostgreSQL did not answer (${cause.message}); the step is retried.`,
      nonRetryable: false,
      cause,
    });
  }
  if (err instanceof MigratorError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !(err.retryable || retryableCodes.includes(err.code)),
      details: [err.details],
    });
  }
  // Anything else is a bug or an unexpected answer: retried, and named with a design code if it persists.
  const cause = coerceError(err);
  return ApplicationFailure.create({ type: 'INTERNAL', message: cause.message, nonRetryable: false, cause });
}

/** PostgreSQL unreachable, restarting, or the pool out of connections: worth retrying. */
function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/.test(message)
  );
}

/** Wraps every function of an activity object so its failures are converted on the way out. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const mapped = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toTemporalFailure(err);
      }
    };
    Object.defineProperty(mapped, 'name', { value: name });
    wrapped[name] = mapped;
  }
  return wrapped as T;
}
