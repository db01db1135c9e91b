import { getEnvironment } from '../db/environments';
import { ensureDelivery } from '../db/notificationDeliveries';
import { matchingTargets } from '../db/notifications';
import * as schedules from '../db/schedules';
import { type AnnounceDeps, startDeliveryWorkflow } from './announce';
import { scheduleDeliveryWorkflowId, type NotificationEvent } from './events';

interface ScheduleAnnouncement {
  event: Extract<NotificationEvent, `schedule.${string}`>;
  schedule: Pick<schedules.Schedule, 'id' | 'jobId' | 'environmentId'>;
  /** The run (`run_skipped`) or the version (`awaiting_approval`) announced: once per target. */
  subject: { runId: string; version: number | null } | { runId: null; version: number };
}

async function announce(deps: AnnounceDeps, a: ScheduleAnnouncement): Promise<string[]> {
  const environment = await getEnvironment(deps.pool, a.schedule.environmentId);
  const targets = await matchingTargets(deps.pool, {
    event: a.event,
    environmentId: a.schedule.environmentId,
    jobId: a.schedule.jobId,
    production: environment?.production ?? false,
  });
  const deliveries: string[] = [];
  for (const targetId of targets) {
    const workflowId = scheduleDeliveryWorkflowId(a.schedule.id, a.subject.runId ?? `v${a.subject.version}`, a.event, targetId);
    const deliveryId = await ensureDelivery(deps.pool, {
      targetId,
      event: a.event,
      executionId: null,
      workflowId,
      schedule: { id: a.schedule.id, version: a.subject.version, runId: a.subject.runId },
    });
    await startDeliveryWorkflow(deps, workflowId, deliveryId);
    deliveries.push(deliveryId);
  }
  return deliveries;
}

/**
 * Announces a run recorded as skipped in `schedule_runs`, whatever the reason, to the targets
 * that want `schedule.run_skipped` for the schedule's job and environment. Idempotent per run
 * and target. Returns the delivery ids.
 */
export async function announceScheduleRunSkipped(deps: AnnounceDeps, runId: string): Promise<string[]> {
  const run = await schedules.getRun(deps.pool, runId);
  if (!run || run.outcome !== 'skipped') return [];
  const schedule = await schedules.getScheduleNames(deps.pool, run.scheduleId);
  if (!schedule) return [];
  return announce(deps, { event: 'schedule.run_skipped', schedule, subject: { runId: run.id, version: run.version } });
}

/**
 * Announces that the current version of a production schedule waits for a second operator's
 * approval, when it does. Idempotent per version and target: calling it after every change
 * announces each version once. Returns the delivery ids.
 */
export async function announceScheduleAwaitingApproval(deps: AnnounceDeps, scheduleId: string): Promise<string[]> {
  const schedule = await schedules.getSchedule(deps.pool, scheduleId);
  if (!schedule || schedule.approvedVersion === schedule.version) return [];
  const version = await schedules.getVersion(deps.pool, scheduleId, schedule.version);
  const environment = await getEnvironment(deps.pool, schedule.environmentId);
  if (!version?.production || !environment?.production) return [];
  return announce(deps, { event: 'schedule.awaiting_approval', schedule, subject: { runId: null, version: schedule.version } });
}
