import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { stepRetryPolicy, untilSuccessRetryPolicy } from './retryPolicy';
import type { ExecutionTuning } from './types';

/**
 * The steps of `migrationExecution`, each with the retry budget of the execution's tuning. Each
 * heartbeats from the moment it reaches a worker (activities/arrival.ts), so a task that Temporal
 * recorded as started but never delivered is retried after `deliveryTimeoutSeconds`, not after
 * its start-to-close timeout.
 */
export function stepActivities(tuning: Required<ExecutionTuning>) {
  const heartbeatTimeout = `${tuning.deliveryTimeoutSeconds} seconds`;
  const steps = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout, retry: stepRetryPolicy(tuning) });
  // Steps that only read and write PostgreSQL (a connection waits 10 s at most): an attempt that
  // has not answered in 30 s is given up and retried rather than holding the execution longer.
  const dbSteps = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', heartbeatTimeout, retry: stepRetryPolicy(tuning) });
  // Nothing may stay active without its outcome recorded, and no slot may free up while the run
  // may still be alive on the host: these two outlast any outage.
  const mustSucceed = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout, retry: untilSuccessRetryPolicy(tuning) });
  // Proxies look activities up by name, so they cannot be spread.
  return {
    prepareExecution: dbSteps.prepareExecution,
    readApproval: dbSteps.readApproval,
    expireApproval: dbSteps.expireApproval,
    acquireSlot: dbSteps.acquireSlot,
    checkProductionSafety: dbSteps.checkProductionSafety,
    validateScript: steps.validateScript,
    stopRun: steps.stopRun,
    stopRunForCancel: mustSucceed.stopRun,
    finalizeExecution: mustSucceed.finalizeExecution,
  };
}

export type ExecutionSteps = ReturnType<typeof stepActivities>;

/**
 * `runScript` follows the run for a segment at most, so one attempt lasts the segment (or the
 * job's timeout, if shorter) plus time to kill and drain. Re-attaching after a crash is the
 * point of retrying, so it gets twice the attempts; the workflow waits for a kill to finish.
 */
export function runScriptActivity(timeoutSeconds: number, tuning: Required<ExecutionTuning>): Activities['runScript'] {
  const retry = stepRetryPolicy(tuning);
  return proxyActivities<Activities>({
    startToCloseTimeout: `${Math.min(timeoutSeconds, tuning.runSegmentSeconds) + 600} seconds`,
    heartbeatTimeout: `${tuning.heartbeatTimeoutSeconds} seconds`,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumAttempts: (retry.maximumAttempts ?? 10) * 2 },
  }).runScript;
}
