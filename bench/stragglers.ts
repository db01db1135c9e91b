import { Connection } from '@temporalio/client';

/**
 * What a workflow that lags behind the others of an item is waiting on: its pending activities
 * (type, state, attempt, when the attempt started and on which worker) and its last events, read
 * raw from Temporal (no payload is decoded). The bench prints it when one execution of a burst
 * ends long after the rest, so that a stall leaves a trace instead of only a slower figure.
 */
export async function describeStragglers(address: string, workflowIds: string[], since: number, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address });
  const at = (seconds: number | Long | null | undefined): string => `${(Number(seconds ?? 0) - since / 1000).toFixed(1)} s`;
  const lines: string[] = [];
  try {
    for (const workflowId of workflowIds) {
      const described = await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } });
      const pending = (described.pendingActivities ?? []).map(
        (a) =>
          `${a.activityType?.name} state ${a.state} attempt ${a.attempt} scheduled ${at(a.scheduledTime?.seconds)} ` +
          `last started ${at(a.lastStartedTime?.seconds)} on ${a.lastWorkerIdentity || '?'}${a.lastFailure?.message ? ` last failure "${a.lastFailure.message}"` : ''}`,
      );
      const history = await connection.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId } });
      const events = (history.history?.events ?? [])
        .slice(-12)
        .map((e) => `${at(e.eventTime?.seconds)} #${e.eventId} ${eventName(e.eventType)}`);
      lines.push(`${workflowId}: pending [${pending.join('; ') || 'none'}]; last events: ${events.join(', ')}`);
    }
  } finally {
    await connection.close();
  }
  return lines;
}

type Long = { toNumber(): number };

function eventName(type: number | null | undefined): string {
  return EVENT_NAMES[type ?? 0] ?? `event ${type}`;
}

// The event types an execution's history holds (temporal.api.enums.v1.EventType).
const EVENT_NAMES: Record<number, string> = {
  1: 'WorkflowExecutionStarted',
  2: 'WorkflowExecutionCompleted',
  3: 'WorkflowExecutionFailed',
  4: 'WorkflowExecutionTimedOut',
  5: 'WorkflowTaskScheduled',
  6: 'WorkflowTaskStarted',
  7: 'WorkflowTaskCompleted',
  8: 'WorkflowTaskTimedOut',
  9: 'WorkflowTaskFailed',
  10: 'ActivityTaskScheduled',
  11: 'ActivityTaskStarted',
  12: 'ActivityTaskCompleted',
  13: 'ActivityTaskFailed',
  14: 'ActivityTaskTimedOut',
  15: 'ActivityTaskCancelRequested',
  16: 'ActivityTaskCanceled',
  17: 'TimerStarted',
  18: 'TimerFired',
  19: 'TimerCanceled',
  20: 'WorkflowExecutionCancelRequested',
  21: 'WorkflowExecutionCanceled',
  25: 'MarkerRecorded',
  26: 'WorkflowExecutionSignaled',
  27: 'WorkflowExecutionTerminated',
  28: 'WorkflowExecutionContinuedAsNew',
  40: 'UpsertWorkflowSearchAttributes',
  41: 'WorkflowExecutionUpdateAccepted',
  43: 'WorkflowExecutionUpdateCompleted',
};
