import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Pool } from 'pg';

import { ensureDelivery } from '../db/notificationDeliveries';
import { matchingTargets } from '../db/notifications';
import { getExecution } from '../db/executions';
import { deliveryWorkflowId, eventOfStatus, type DeliveryInput } from './events';
import type { NotificationSettings } from './settings';

export interface AnnounceDeps {
  pool: Pool;
  temporal: Client;
  settings: NotificationSettings;
}

/**
 * Starts one `deliverNotification` workflow per target that wants what the execution's status
 * now announces (awaiting approval, or its final status). Safe to call again and again: the
 * delivery row and the workflow id are derived from (execution, event, target), an open
 * workflow is reused and a closed one is not started again. Returns the delivery ids.
 */
export async function announceExecutionStatus(deps: AnnounceDeps, executionId: string): Promise<string[]> {
  const execution = await getExecution(deps.pool, executionId);
  const event = execution && eventOfStatus(execution.status);
  if (!execution || !event) return [];
  const targets = await matchingTargets(deps.pool, {
    event,
    environmentId: execution.environmentId,
    jobId: execution.jobId,
    production: execution.approvalDeadline !== null,
  });
  const deliveries: string[] = [];
  for (const targetId of targets) {
    const workflowId = deliveryWorkflowId(executionId, event, targetId);
    const deliveryId = await ensureDelivery(deps.pool, { targetId, event, executionId, workflowId });
    await startDeliveryWorkflow(deps, workflowId, deliveryId);
    deliveries.push(deliveryId);
  }
  return deliveries;
}

/** Starts the delivery's workflow unless it runs or ran already. */
export async function startDeliveryWorkflow(deps: Omit<AnnounceDeps, 'pool'>, workflowId: string, deliveryId: string): Promise<void> {
  try {
    await deps.temporal.workflow.start('deliverNotification', {
      workflowId,
      taskQueue: deps.settings.taskQueue,
      args: [{ deliveryId, retry: deps.settings.retry } satisfies DeliveryInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Notification delivery ${deliveryId}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
