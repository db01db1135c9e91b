import {
  type Client,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';

import type { Schedule } from '../db/schedules';
import { MigratorError } from '../errors';
import type { ScheduledRunInput } from '../workflows/types';
import { type OverlapPolicy, temporalScheduleIdOf } from './model';

/** What Temporal holds of a schedule: when, the overlap policy, and paused or not. Never params, names or notes. */
export interface TemporalScheduleTarget {
  schedule: Pick<Schedule, 'id' | 'cron' | 'intervalSeconds' | 'timeZone' | 'overlap'>;
  paused: boolean;
  taskQueue: string;
}

export function specOf(s: TemporalScheduleTarget['schedule']): ScheduleSpec {
  return s.cron !== null
    ? { cronExpressions: [s.cron], timezone: s.timeZone }
    : { intervals: [{ every: (s.intervalSeconds ?? 0) * 1000 }], timezone: s.timeZone };
}

export function overlapOf(policy: OverlapPolicy): ScheduleOverlapPolicy {
  return policy === 'skip' ? ScheduleOverlapPolicy.SKIP : ScheduleOverlapPolicy.BUFFER_ONE;
}

/** The Schedule's note is plain text in Temporal: it says where the definition lives, nothing else. */
export function noteOf(t: TemporalScheduleTarget): string {
  return t.paused
    ? `Paused by Migrator (see /api/v1/schedules/${t.schedule.id}); a change made here is put back.`
    : `Managed by Migrator (see /api/v1/schedules/${t.schedule.id}); a change made here is put back.`;
}

function actionOf(t: TemporalScheduleTarget): ScheduleOptionsStartWorkflowAction<(input: ScheduledRunInput) => Promise<unknown>> {
  // The action carries the schedule id only: each run loads the approved version from the database.
  return {
    type: 'startWorkflow',
    workflowType: 'scheduledRun',
    workflowId: temporalScheduleIdOf(t.schedule.id),
    taskQueue: t.taskQueue,
    args: [{ scheduleId: t.schedule.id }],
  };
}

/** Temporal parses cron expressions itself and says why one is invalid (the client throws a TypeError). */
function invalidSpec(err: unknown, s: TemporalScheduleTarget['schedule']): never {
  if (err instanceof TypeError) {
    const path = s.cron !== null ? 'cron' : 'intervalSeconds';
    throw new MigratorError('VALIDATION_FAILED', `Temporal refused the calendar spec: ${err.message}`, {
      errors: [{ path, message: `Temporal refused it: ${err.message}` }],
    });
  }
  throw err;
}

/** Creates the Schedule; returns its spec as Temporal describes it (the reference for drift). */
export async function createTemporalSchedule(temporal: Client, t: TemporalScheduleTarget): Promise<unknown> {
  const handle = await temporal.schedule
    .create({
      scheduleId: temporalScheduleIdOf(t.schedule.id),
      spec: specOf(t.schedule),
      action: actionOf(t),
      policies: { overlap: overlapOf(t.schedule.overlap), catchupWindow: '1 minute' },
      state: { paused: t.paused, note: noteOf(t) },
    })
    .catch((err: unknown) => invalidSpec(err, t.schedule));
  return (await handle.describe()).spec;
}

/** Puts spec, policy and pause back to what Migrator says; returns the spec as Temporal describes it. */
export async function updateTemporalSchedule(temporal: Client, t: TemporalScheduleTarget): Promise<unknown> {
  const handle = temporal.schedule.getHandle(temporalScheduleIdOf(t.schedule.id));
  await handle
    .update((previous) => ({
      spec: specOf(t.schedule),
      action: actionOf(t),
      policies: { ...previous.policies, overlap: overlapOf(t.schedule.overlap) },
      state: { paused: t.paused, note: noteOf(t) },
    }))
    .catch((err: unknown) => invalidSpec(err, t.schedule));
  return (await handle.describe()).spec;
}

/** Creates the Schedule, or updates it when it exists. */
export async function putTemporalSchedule(temporal: Client, t: TemporalScheduleTarget): Promise<unknown> {
  try {
    return await updateTemporalSchedule(temporal, t);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    return createTemporalSchedule(temporal, t);
  }
}

export async function deleteTemporalSchedule(temporal: Client, scheduleId: string): Promise<void> {
  try {
    await temporal.schedule.getHandle(temporalScheduleIdOf(scheduleId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/** JSON with sorted keys: a spec read back from jsonb has its keys in another order. */
function canonical(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value ?? null));
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)]))
        : v;
  return JSON.stringify(sorted(plain));
}

/** Spec descriptions compare by their canonical JSON (Temporal answers them in one canonical form). */
export function sameSpec(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
