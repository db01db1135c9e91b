/**
 * The events a notification target may ask for. A leaf: the workflow sandbox, the API schemas
 * and the worker read it.
 */
export const notificationEvents = [
  'execution.awaiting_approval',
  'execution.succeeded',
  'execution.failed',
  'execution.cancelled',
  'execution.rejected',
  'schedule.run_skipped',
  'schedule.awaiting_approval',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/** Sent by `POST /notifications/:id/test` only; no target subscribes to it. */
export const testEvent = 'notification.test';
export type DeliveredEvent = NotificationEvent | typeof testEvent;

export const notificationFormats = ['json', 'slack'] as const;
export type NotificationFormat = (typeof notificationFormats)[number];

/** The event an execution's status announces, if any: awaiting approval, or one per final status. */
export function eventOfStatus(status: string): NotificationEvent | null {
  switch (status) {
    case 'awaiting_approval':
    case 'succeeded':
    case 'failed':
    case 'cancelled':
    case 'rejected':
      return `execution.${status}`;
    default:
      return null;
  }
}

/** The delivery workflow's id: one per event and target, so announcing an event twice delivers it once. */
export function deliveryWorkflowId(executionId: string, event: NotificationEvent, targetId: string): string {
  return `notify-${executionId}-${event}-${targetId}`;
}

/**
 * The delivery workflow's id for an event about a schedule: one per schedule, subject (the skipped
 * run's id, or `v<version>` for a version awaiting approval), event and target.
 */
export function scheduleDeliveryWorkflowId(scheduleId: string, subject: string, event: NotificationEvent, targetId: string): string {
  return `notify-schedule-${scheduleId}-${subject}-${event}-${targetId}`;
}

/** How a delivery retries: from `initialIntervalSeconds`, doubling up to `maximumIntervalSeconds`, for `retryForSeconds` in all. */
export interface DeliveryRetry {
  initialIntervalSeconds: number;
  maximumIntervalSeconds: number;
  retryForSeconds: number;
}

export const defaultDeliveryRetry: DeliveryRetry = { initialIntervalSeconds: 10, maximumIntervalSeconds: 3600, retryForSeconds: 24 * 3600 };

export interface DeliveryInput {
  deliveryId: string;
  retry: DeliveryRetry;
}
