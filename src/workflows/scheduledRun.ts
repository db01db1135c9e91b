import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { stepRetryPolicy } from './retryPolicy';
import type { ScheduledRunInput, ScheduledRunResult } from './types';

const { startScheduledRun } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: stepRetryPolicy() });

// Follows an execution for as long as it takes (approval waits and queues included); a worker
// that dies is noticed by the heartbeat, and the next attempt reads the row again.
const { awaitScheduledExecution } = proxyActivities<Activities>({
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
});

/**
 * One run of a Schedule: creates the execution of the schedule's approved version through the
 * same start path as the API, then waits for it to end, so that the Schedule's overlap policy
 * sees a running execution as running. Its input is the schedule id only.
 */
export async function scheduledRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  const started = await startScheduledRun(input.scheduleId);
  if (started.outcome !== 'started' || !started.executionId) return started;
  const { status } = await awaitScheduledExecution(started.executionId);
  return { ...started, finalStatus: status };
}
