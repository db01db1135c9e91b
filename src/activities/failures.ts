import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import { MigratorError, coerceError, retryableCodes } from '../errors';

/**
 * Converts what an activity threw into what Temporal should see: a named failure whose `type`
 * is the design's code, non-retryable unless the code is; other errors stay retryable.
 */
export function toTemporalFailure(err: unknown): Error {
  if (err instanceof CancelledFailure || err instanceof ApplicationFailure) return err;
  if (err instanceof MigratorError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: !retryableCodes.includes(err.code),
      details: [err.details],
    });
  }
  return coerceError(err);
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
