import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { percentile } from './measure';

const EventType = temporal.api.enums.v1.EventType;

interface StepTimes {
  /** Seconds from `since` to the step's scheduling. */
  scheduled: number[];
  /** Seconds from scheduled to started (waiting for a worker's poll). */
  waited: number[];
  /** Seconds from started to its close (ran); none while it runs. */
  ran: number[];
  /** First attempts that failed or were lost: their waits and runs are not in the figures. */
  retried: number;
}

type Time = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function toSeconds(t: Time): number {
  return Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
}

/**
 * Where a burst of executions spent its start: for each workflow's first workflow task and the
 * first schedule of each activity type, when it was scheduled after `since`, how long its first
 * attempt waited to be picked up, and how long it ran, read from each workflow's history. Printed by the fleet items, whose start ramp
 * (every script started) takes longer than their scripts run.
 */
export async function describeRamp(address: string, workflowIds: string[], since: number, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const steps = new Map<string, StepTimes>();
  const step = (name: string): StepTimes => {
    let s = steps.get(name);
    if (!s) steps.set(name, (s = { scheduled: [], waited: [], ran: [], retried: 0 }));
    return s;
  };
  try {
    for (const workflowId of workflowIds) {
      const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      // Only each workflow's first workflow task and the first schedule of each activity type:
      // what the start waits on, not a finish's steps or a retry's new schedule.
      const scheduledAt = new Map<number, { name: string; at: number }>();
      const startedAt = new Map<number, { name: string; at: number }>();
      const seen = new Set<string>();
      for (const e of events) {
        const at = toSeconds(e.eventTime as Time);
        const id = Number(e.eventId);
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
          const name = e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ? 'first workflow task' : (e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
          if (seen.has(name)) continue;
          seen.add(name);
          scheduledAt.set(id, { name, at });
          step(name).scheduled.push(at - since / 1000);
        } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED || e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
          const attributes = e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes;
          const scheduled = scheduledAt.get(Number(attributes?.scheduledEventId));
          if (!scheduled) continue;
          // History records an activity's start only for its last attempt: a retried one waited through earlier attempts too.
          if (Number(e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) {
            step(scheduled.name).retried += 1;
            continue;
          }
          step(scheduled.name).waited.push(at - scheduled.at);
          startedAt.set(Number(attributes?.scheduledEventId), { name: scheduled.name, at });
        } else {
          // What closes a task: a workflow task's completion, an activity's completion, failure, timeout or cancellation.
          const closed =
            e.workflowTaskCompletedEventAttributes ??
            e.activityTaskCompletedEventAttributes ??
            e.activityTaskFailedEventAttributes ??
            e.activityTaskTimedOutEventAttributes ??
            e.activityTaskCanceledEventAttributes;
          const started = closed ? startedAt.get(Number(closed.scheduledEventId)) : undefined;
          if (started) step(started.name).ran.push(at - started.at);
        }
      }
    }
  } finally {
    await connection.close();
  }
  const at = (values: number[], p: number): number => percentile([...values].sort((a, b) => a - b), p);
  const ms = (values: number[], p: number): string => (values.length ? (at(values, p) * 1000).toFixed(0) : '–');
  const s = (values: number[], p: number): string => (values.length ? at(values, p).toFixed(1) : '–');
  return [...steps.entries()].map(
    ([name, t]) =>
      `${name} (${t.scheduled.length}${t.retried ? `, ${t.retried} retried` : ''}): scheduled at ${s(t.scheduled, 50)} s (p50) / ${s(t.scheduled, 100)} s (last); ` +
      `waited for a worker p50 ${ms(t.waited, 50)} / p90 ${ms(t.waited, 90)} / max ${ms(t.waited, 100)} ms; ` +
      `ran p50 ${ms(t.ran, 50)} / p90 ${ms(t.ran, 90)} / max ${ms(t.ran, 100)} ms`,
  );
}
