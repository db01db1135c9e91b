import { Connection } from '@temporalio/client';

import { percentile } from './measure';

/** Raw event types read here (temporal.api.enums.v1.EventType). */
const workflowTaskScheduled = 5;
const workflowTaskStarted = 6;
const workflowTaskCompleted = 7;
const activityScheduled = 10;
const activityStarted = 11;

interface StepTimes {
  /** Seconds from `since` to the step's scheduling. */
  scheduled: number[];
  /** Seconds from scheduled to started (waiting for a worker's poll). */
  waited: number[];
  /** Seconds from started to the workflow's next event about it (ran), or undefined if none yet. */
  ran: number[];
}

type Time = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function toSeconds(t: Time): number {
  return Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
}

/**
 * Where a burst of executions spent its start: for each activity type (and the workflow tasks),
 * when its first attempt was scheduled after `since`, how long it waited to be picked up, and how
 * long it ran, read from each workflow's history. Printed by the fleet items, whose start ramp
 * (every script started) takes longer than their scripts run.
 */
export async function describeRamp(address: string, workflowIds: string[], since: number, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address });
  const steps = new Map<string, StepTimes>();
  const step = (name: string): StepTimes => {
    let s = steps.get(name);
    if (!s) steps.set(name, (s = { scheduled: [], waited: [], ran: [] }));
    return s;
  };
  try {
    for (const workflowId of workflowIds) {
      const events = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await connection.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId }, nextPageToken });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      const scheduledAt = new Map<number, { name: string; at: number }>();
      const startedAt = new Map<number, { name: string; at: number }>();
      const seen = new Set<string>();
      for (const e of events) {
        const at = toSeconds(e.eventTime as Time);
        const id = Number(e.eventId);
        if (e.eventType === activityScheduled || e.eventType === workflowTaskScheduled) {
          const name = e.eventType === workflowTaskScheduled ? 'workflow task' : (e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
          scheduledAt.set(id, { name, at });
          // Only the first of each activity type: a later one (a finish, a retry's new schedule) is another story.
          if (name === 'workflow task' || !seen.has(name)) {
            seen.add(name);
            step(name).scheduled.push(at - since / 1000);
          }
        } else if (e.eventType === activityStarted || e.eventType === workflowTaskStarted) {
          const scheduledId = Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.workflowTaskStartedEventAttributes?.scheduledEventId);
          const scheduled = scheduledAt.get(scheduledId);
          if (scheduled) {
            step(scheduled.name).waited.push(at - scheduled.at);
            startedAt.set(scheduledId, { name: scheduled.name, at });
          }
        } else if (e.eventType === workflowTaskCompleted) {
          const started = startedAt.get(Number(e.workflowTaskCompletedEventAttributes?.scheduledEventId));
          if (started) step(started.name).ran.push(at - started.at);
        } else {
          // Completed, failed, timed out, cancelled: every activity close names its scheduled event.
          const attributes = Object.values(e).find((v) => v && typeof v === 'object' && 'scheduledEventId' in v) as { scheduledEventId?: unknown } | undefined;
          const started = attributes ? startedAt.get(Number(attributes.scheduledEventId)) : undefined;
          if (started && started.name !== 'workflow task') step(started.name).ran.push(at - started.at);
        }
      }
    }
  } finally {
    await connection.close();
  }
  const at = (values: number[], p: number): number => percentile([...values].sort((a, b) => a - b), p);
  const ms = (values: number[], p: number): string => (at(values, p) * 1000).toFixed(0);
  const s = (values: number[], p: number): string => at(values, p).toFixed(1);
  return [...steps.entries()].map(
    ([name, t]) =>
      `${name} (${t.waited.length}): first scheduled at ${s(t.scheduled, 50)} s (p50) / ${s(t.scheduled, 100)} s (last); ` +
      `waited for a worker p50 ${ms(t.waited, 50)} / p90 ${ms(t.waited, 90)} / max ${ms(t.waited, 100)} ms; ` +
      `ran p50 ${ms(t.ran, 50)} / p90 ${ms(t.ran, 90)} / max ${ms(t.ran, 100)} ms`,
  );
}
