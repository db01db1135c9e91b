import { createHash } from 'node:crypto';

import type { Environment } from '../db/environments';
import type { Job } from '../db/jobs';
import type { ParamValues } from '../jobs/parameters';
import { jobSnapshotOf, targetSnapshotOf } from '../model/snapshot';

export const overlapPolicies = ['skip', 'buffer_one'] as const;
export type OverlapPolicy = (typeof overlapPolicies)[number];

/** Prefix of every Temporal Schedule Migrator owns; reconciliation looks at these only. */
export const temporalSchedulePrefix = 'migrator-schedule-';

export function temporalScheduleIdOf(scheduleId: string): string {
  return `${temporalSchedulePrefix}${scheduleId}`;
}

/** What a schedule runs and when: one version of it. */
export interface ScheduleDefinition {
  name: string;
  jobId: string;
  environmentId: string;
  params: ParamValues;
  cron: string | null;
  intervalSeconds: number | null;
  timeZone: string;
  note: string | null;
  overlap: OverlapPolicy;
}

/** The definition fields whose change needs the production confirmation and a new approval. */
export const approvalRelevantFields = ['jobId', 'environmentId', 'params', 'cron', 'intervalSeconds', 'timeZone'] as const;

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);

/** A job's revision: a digest of the snapshot an execution takes of it (what would run). */
export function jobRevisionOf(job: Job): string {
  return digest({ ...jobSnapshotOf(job), archived: job.archivedAt !== null });
}

/** An environment's revision: a digest of its connection snapshot, production flag and limits. */
export function environmentRevisionOf(environment: Environment): string {
  return digest({
    ...targetSnapshotOf(environment),
    production: environment.production,
    maxConcurrency: environment.maxConcurrency,
    archived: environment.archivedAt !== null,
  });
}

/** `schedule:<name>`: who started a scheduled execution. No login can take this form (logins have no colon). */
export function scheduleStarterOf(name: string): string {
  return `schedule:${name}`;
}
