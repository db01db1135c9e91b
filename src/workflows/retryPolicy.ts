import type { RetryPolicy } from '@temporalio/common';

import { withDefaults } from './tuning';
import type { ExecutionTuning } from './types';

/**
 * How every workflow of Migrator retries a failing step: from a second, doubling up to
 * `retryMaxIntervalSeconds`, `retryMaxAttempts` times (10 and 30 s unless the API says otherwise).
 */
export function stepRetryPolicy(tuning?: ExecutionTuning): RetryPolicy {
  const { retryMaxAttempts, retryMaxIntervalSeconds } = withDefaults(tuning);
  return { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: `${retryMaxIntervalSeconds}s`, maximumAttempts: retryMaxAttempts };
}

/** The same backoff without a limit on attempts: for steps that must outlast any outage. */
export function untilSuccessRetryPolicy(tuning?: ExecutionTuning): RetryPolicy {
  return { ...stepRetryPolicy(tuning), maximumAttempts: undefined };
}
