import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { DeliveryInput } from '../notifications/events';

/**
 * One event to one target (workflow id `notify-<executionId>-<event>-<targetId>`): the POST is
 * retried with backoff for `retry.retryForSeconds` (24 h unless configured), then given up and
 * recorded as failed. Apart from the execution's workflow, which ends when its run ends.
 */
export async function deliverNotification(input: DeliveryInput): Promise<{ delivered: boolean }> {
  const { retry } = input;
  const send = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: `${retry.retryForSeconds} seconds`,
    retry: {
      initialInterval: `${retry.initialIntervalSeconds} seconds`,
      maximumInterval: `${retry.maximumIntervalSeconds} seconds`,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['NOTIFY_ADDRESS_REFUSED', 'NOT_FOUND'],
    },
  });
  const record = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });
  try {
    await send.deliverNotification(input.deliveryId);
    return { delivered: true };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure && cause.type === 'NOT_FOUND') return { delivered: false };
    await record.abandonDelivery(input.deliveryId, 'Retries ran out before the receiver accepted the event.');
    return { delivered: false };
  }
}
