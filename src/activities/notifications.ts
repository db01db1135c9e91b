import { randomUUID } from 'node:crypto';

import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';

import { getExecution } from '../db/executions';
import { getEnvironment } from '../db/environments';
import { getJob } from '../db/jobs';
import { getDelivery, markDeliveryFailed, recordAttempt, type NotificationDelivery } from '../db/notificationDeliveries';
import { getSealedTarget } from '../db/notifications';
import { getRun, getScheduleNames } from '../db/schedules';
import { coerceError } from '../errors';
import { RefusedAddressError } from '../notifications/addressGuard';
import type { DeliveredEvent } from '../notifications/events';
import { payloadBody, type ExecutionFacts, type ScheduleFacts } from '../notifications/payload';
import { postWebhook } from '../notifications/post';
import type { NotificationSettings } from '../notifications/settings';
import { signatureHeader } from '../notifications/signature';
import { temporalScheduleIdOf } from '../schedules/model';

export interface NotificationActivityDeps {
  pool: Pool;
  settings: NotificationSettings;
}

async function executionFacts(pool: Pool, executionId: string | null): Promise<ExecutionFacts | null> {
  if (!executionId) return null;
  const e = await getExecution(pool, executionId);
  if (!e) return null;
  return {
    id: e.id,
    status: e.status,
    errorCode: e.errorCode,
    exitCode: e.exitCode,
    jobId: e.jobId,
    jobName: e.jobSnapshot?.name ?? e.jobId,
    environmentId: e.environmentId,
    environmentName: e.targetSnapshot?.environmentName ?? e.environmentId,
    production: e.approvalDeadline !== null,
    startedBy: e.startedBy,
    approvalDeadline: e.approvalDeadline?.toISOString() ?? null,
    workflowId: e.workflowId,
  };
}

async function scheduleFacts(pool: Pool, d: NotificationDelivery): Promise<ScheduleFacts | null> {
  if (!d.scheduleId) return null;
  const s = await getScheduleNames(pool, d.scheduleId);
  if (!s) return null;
  const [job, environment, run] = await Promise.all([
    getJob(pool, s.jobId),
    getEnvironment(pool, s.environmentId),
    d.scheduleRunId ? getRun(pool, d.scheduleRunId) : undefined,
  ]);
  return {
    id: s.id,
    name: s.name,
    version: d.scheduleVersion,
    jobId: s.jobId,
    jobName: job?.name ?? s.jobId,
    environmentId: s.environmentId,
    environmentName: environment?.name ?? s.environmentId,
    production: environment?.production ?? false,
    temporalScheduleId: temporalScheduleIdOf(s.id),
    run: run ? { id: run.id, at: run.at.toISOString(), reasonCode: run.reasonCode } : null,
  };
}

/** The activities of `deliverNotification`: one signed POST per attempt, each attempt recorded. */
export function createNotificationActivities(deps: NotificationActivityDeps) {
  const { pool, settings } = deps;
  return {
    /** Posts the delivery's event to its target; throws (retryably) unless the receiver answers 2xx. */
    async deliverNotification(deliveryId: string): Promise<{ httpStatus: number }> {
      const delivery = await getDelivery(pool, deliveryId);
      if (!delivery) {
        throw ApplicationFailure.create({ type: 'NOT_FOUND', message: `Delivery ${deliveryId} no longer exists; its target was deleted.`, nonRetryable: true });
      }
      if (delivery.status === 'delivered') return { httpStatus: delivery.lastStatus ?? 200 };
      const target = await getSealedTarget(pool, delivery.targetId);
      if (!target) {
        throw ApplicationFailure.create({ type: 'NOT_FOUND', message: `Notification target ${delivery.targetId} was deleted.`, nonRetryable: true });
      }
      const body = payloadBody(
        target.format,
        {
          deliveryId,
          event: delivery.event as DeliveredEvent,
          occurredAt: delivery.createdAt.toISOString(),
          target: { id: target.id, name: target.name },
          execution: await executionFacts(pool, delivery.executionId),
          schedule: await scheduleFacts(pool, delivery),
        },
        settings,
      );
      const secret = settings.secretBox.open(target.secretSealed);
      let httpStatus: number | null = null;
      try {
        const answer = await postWebhook({
          url: settings.secretBox.open(target.urlSealed),
          body,
          headers: {
            'user-agent': 'Migrator-Webhooks/1',
            'migrator-delivery': deliveryId,
            'migrator-event': delivery.event,
            'migrator-signature': signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
            'idempotency-key': deliveryId,
            'x-request-id': randomUUID(),
          },
          timeoutMs: settings.attemptTimeoutMs ?? 10_000,
          allowPrivateAddresses: settings.allowPrivateAddresses,
        });
        httpStatus = answer.status;
      } catch (err) {
        const message = coerceError(err).message;
        await recordAttempt(pool, deliveryId, { httpStatus: null, error: message, delivered: false });
        throw ApplicationFailure.create({
          type: err instanceof RefusedAddressError ? 'NOTIFY_ADDRESS_REFUSED' : 'NOTIFY_UNREACHABLE',
          message,
          nonRetryable: err instanceof RefusedAddressError,
        });
      }
      const delivered = httpStatus >= 200 && httpStatus < 300;
      const error = delivered ? null : httpStatus >= 300 && httpStatus < 400 ? `The receiver answered ${httpStatus}, a redirect; redirects are not followed.` : `The receiver answered ${httpStatus}.`;
      await recordAttempt(pool, deliveryId, { httpStatus, error, delivered });
      if (!delivered) throw ApplicationFailure.create({ type: 'NOTIFY_REFUSED', message: error!, nonRetryable: false });
      return { httpStatus };
    },

    /** Retries ran out or the target refused for good: recorded as failed. */
    async abandonDelivery(deliveryId: string, reason: string): Promise<void> {
      await markDeliveryFailed(pool, deliveryId, reason);
    },
  };
}
