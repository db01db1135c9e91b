import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';

import type { RetentionInput } from '../workflows/types';

export interface RetentionScheduleOptions {
  taskQueue: string;
  retentionDays: number;
  /** Log lines deleted per transaction. */
  batchSize?: number;
  /** Tests sharing one Temporal server use their own id. */
  scheduleId?: string;
}

export const defaultRetentionScheduleId = 'migrator-retention';

const defaultBatchSize = 5_000;

const dailyAt3Utc: ScheduleSpec = { calendars: [{ hour: 3, minute: 0, comment: 'daily at 03:00 UTC' }], timezone: 'UTC' };

/**
 * Creates the Schedule that runs `retentionCleanup` daily, or brings an existing one up to
 * `options`. Every worker calls it at start; whichever comes second updates instead of
 * creating. A pause set by an operator is kept.
 */
export async function ensureRetentionSchedule(client: Client, options: RetentionScheduleOptions): Promise<void> {
  const scheduleId = options.scheduleId ?? defaultRetentionScheduleId;
  const args: [RetentionInput] = [{ retentionDays: options.retentionDays, batchSize: options.batchSize ?? defaultBatchSize }];
  // By name: the workflow body stays out of the client's process.
  const action: ScheduleOptionsStartWorkflowAction<(input: RetentionInput) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: 'retentionCleanup',
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args,
  };
  // A run still going the next day (a huge backlog) is left to finish rather than doubled.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  try {
    await client.schedule.create({ scheduleId, spec: dailyAt3Utc, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      spec: dailyAt3Utc,
      action,
      policies,
      state: { paused: previous.state.paused, note: previous.state.note },
    }));
  }
}
