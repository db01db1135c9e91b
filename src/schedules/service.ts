import { randomUUID } from 'node:crypto';

import type { Client } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';

import { recordAudit } from '../db/audit';
import { getEnvironment } from '../db/environments';
import { getJob } from '../db/jobs';
import { withTransaction } from '../db/pool';
import * as db from '../db/schedules';
import { checkStartRequest } from '../executions/start';
import { coerceError, MigratorError } from '../errors';
import type { Logger } from '../logger';
import { announceScheduleAwaitingApproval } from '../notifications/announceSchedule';
import type { NotificationSettings } from '../notifications/settings';
import {
  approvalRelevantFields,
  environmentRevisionOf,
  jobRevisionOf,
  type ScheduleDefinition,
  temporalScheduleIdOf,
} from './model';
import { createTemporalSchedule, deleteTemporalSchedule, overlapOf, updateTemporalSchedule } from './temporalSchedule';

export interface ScheduleDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** A production version awaiting approval is announced with these; not without them. */
  notifications?: NotificationSettings;
  logger?: Logger;
}

/**
 * Announces the schedule's current version when it awaits a second operator's approval. After
 * the change committed: a receiver that cannot be told does not undo the change, it is logged.
 */
async function announceIfAwaitingApproval(deps: ScheduleDeps, scheduleId: string): Promise<void> {
  if (!deps.notifications) return;
  await announceScheduleAwaitingApproval({ pool: deps.pool, temporal: deps.temporal, settings: deps.notifications }, scheduleId).catch((err: unknown) => {
    deps.logger?.error({ err: coerceError(err), scheduleId }, 'Could not announce that a schedule awaits approval.');
  });
}

type Db = Pool | PoolClient;

/**
 * Whether a schedule may run: paused by a person, or on production waiting for an approval
 * (its current version is not approved, or the job or environment changed since the approved one).
 */
export async function stateOf(
  pool: Db,
  s: db.Schedule,
): Promise<{ awaitingApproval: boolean; revisionChanged: boolean; pausedInTemporal: boolean; production: boolean }> {
  const environment = await getEnvironment(pool, s.environmentId);
  const production = environment?.production ?? false;
  const approved = production && s.approvedVersion !== null ? await db.getVersion(pool, s.id, s.approvedVersion) : undefined;
  const revisionChanged = approved ? await revisionsChanged(pool, approved) : false;
  const awaitingApproval = production && (s.approvedVersion !== s.version || revisionChanged);
  return { awaitingApproval, revisionChanged, pausedInTemporal: s.paused || awaitingApproval, production };
}

function definitionOf(s: ScheduleDefinition): ScheduleDefinition {
  return {
    name: s.name,
    jobId: s.jobId,
    environmentId: s.environmentId,
    params: s.params,
    cron: s.cron,
    intervalSeconds: s.intervalSeconds,
    timeZone: s.timeZone,
    note: s.note,
    overlap: s.overlap,
  };
}

/** The definition checked like a start: job and environment exist and are live, params fit, production confirmed. */
async function checkDefinition(client: Db, d: ScheduleDefinition, confirmProduction: string | null | undefined) {
  const { job, environment, params } = await checkStartRequest(client, {
    jobId: d.jobId,
    environmentId: d.environmentId,
    params: d.params,
    confirmProduction: confirmProduction ?? undefined,
  });
  return { job, environment, definition: { ...d, params }, revisions: { jobRevision: jobRevisionOf(job), environmentRevision: environmentRevisionOf(environment) } };
}

export type NewSchedule = ScheduleDefinition & { confirmProduction?: string };

export async function createSchedule(deps: ScheduleDeps, actor: string, input: NewSchedule): Promise<db.Schedule> {
  const id = randomUUID();
  let createdInTemporal = false;
  try {
    const created = await withTransaction(deps.pool, async (client) => {
      const { environment, definition, revisions } = await checkDefinition(client, input, input.confirmProduction);
      const confirmProduction = environment.production ? (input.confirmProduction ?? null) : null;
      const row = await db.insertSchedule(client, { ...definition, id, confirmProduction, createdBy: actor });
      await db.insertVersion(client, { scheduleId: id, version: 1, definition, ...revisions, production: environment.production, createdBy: actor });
      await recordAudit(client, { actor, action: 'create', entityType: 'schedule', entityId: id, after: row });
      const { pausedInTemporal } = await stateOf(client, row);
      const spec = await createTemporalSchedule(deps.temporal, { schedule: row, paused: pausedInTemporal, taskQueue: deps.taskQueue });
      createdInTemporal = true;
      await db.setTemporalSpec(client, id, spec);
      return { ...row, temporalSpec: spec };
    });
    await announceIfAwaitingApproval(deps, id);
    return created;
  } catch (err) {
    // The row was not committed: the Schedule must not outlive it.
    if (createdInTemporal) await deleteTemporalSchedule(deps.temporal, id).catch(() => undefined);
    throw err;
  }
}

export type SchedulePatch = Partial<ScheduleDefinition> & { confirmProduction?: string };

/**
 * Changes a schedule. Every change is a new version; one that changes what or when it runs (job,
 * environment, params, spec) needs the production confirmation again and, on production, a new
 * approval, until which the Schedule is paused. Other changes keep the approval.
 */
export async function updateSchedule(deps: ScheduleDeps, actor: string, id: string, patch: SchedulePatch): Promise<db.Schedule> {
  const updated = await withTransaction(deps.pool, async (client) => {
    const before = await lockOrThrow(client, id);
    const { confirmProduction: typed, ...given } = patch;
    const fields = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<ScheduleDefinition>;
    const merged: ScheduleDefinition = { ...definitionOf(before), ...fields };
    if (fields.cron !== undefined && fields.cron !== null && patch.intervalSeconds === undefined) merged.intervalSeconds = null;
    if (fields.intervalSeconds !== undefined && fields.intervalSeconds !== null && patch.cron === undefined) merged.cron = null;
    const relevant = approvalRelevantFields.some((f) => JSON.stringify(merged[f]) !== JSON.stringify(before[f]));
    const { environment, definition, revisions } = await checkDefinition(client, merged, relevant ? typed : (typed ?? before.confirmProduction));
    const previous = await db.getVersion(client, id, before.version);
    const version = before.version + 1;
    const confirmProduction = environment.production ? (typed ?? before.confirmProduction) : null;
    let after = await db.updateDefinition(client, id, { ...definition, confirmProduction, version });
    await db.insertVersion(client, { scheduleId: id, version, definition, ...revisions, production: environment.production, createdBy: actor });
    const keepsApproval =
      !relevant &&
      before.approvedVersion === before.version &&
      previous?.jobRevision === revisions.jobRevision &&
      previous.environmentRevision === revisions.environmentRevision &&
      before.approvedBy !== null;
    if (keepsApproval) after = await db.approveVersion(client, id, version, before.approvedBy!);
    await recordAudit(client, { actor, action: 'update', entityType: 'schedule', entityId: id, before, after });
    await syncTemporal(deps, client, after);
    return after;
  });
  await announceIfAwaitingApproval(deps, id);
  return updated;
}

async function lockOrThrow(client: PoolClient, id: string): Promise<db.Schedule> {
  const row = await db.getSchedule(client, id, true);
  if (!row) throw new MigratorError('NOT_FOUND', `Schedule ${id} does not exist.`);
  return row;
}

/** Puts the Temporal Schedule in line with the row and remembers the spec Temporal describes. */
export async function syncTemporal(deps: ScheduleDeps, client: Db, s: db.Schedule): Promise<void> {
  const { pausedInTemporal } = await stateOf(client, s);
  const spec = await updateTemporalSchedule(deps.temporal, { schedule: s, paused: pausedInTemporal, taskQueue: deps.taskQueue });
  await db.setTemporalSpec(client, s.id, spec);
}

export async function setSchedulePaused(deps: ScheduleDeps, actor: string, id: string, paused: boolean, reason: string | null): Promise<db.Schedule> {
  return withTransaction(deps.pool, async (client) => {
    const before = await lockOrThrow(client, id);
    const after = await db.setPaused(client, id, { paused, by: actor, reason });
    await recordAudit(client, { actor, action: paused ? 'pause' : 'unpause', entityType: 'schedule', entityId: id, before, after });
    await syncTemporal(deps, client, after);
    return after;
  });
}

/** Runs the schedule now (its approved version); the overlap policy applies as to any run. */
export async function triggerSchedule(deps: ScheduleDeps, actor: string, id: string): Promise<db.Schedule> {
  return withTransaction(deps.pool, async (client) => {
    const s = await lockOrThrow(client, id);
    const { production } = await stateOf(client, s);
    if (production && s.approvedVersion === null) {
      throw new MigratorError('CONFLICT', `Schedule "${s.name}" runs on production and no version of it is approved yet; a second operator must approve it first.`);
    }
    await recordAudit(client, { actor, action: 'trigger', entityType: 'schedule', entityId: id, after: { version: production ? s.approvedVersion : s.version } });
    await deps.temporal.schedule.getHandle(temporalScheduleIdOf(id)).trigger(overlapOf(s.overlap));
    return s;
  });
}

/**
 * A second operator approves the current version of a production schedule: the job and the
 * environment as they are now. Its author cannot; a version whose job or environment changed
 * since is replaced by a new one to approve.
 */
export async function approveSchedule(deps: ScheduleDeps, actor: string, id: string): Promise<db.Schedule> {
  const outcome = await withTransaction(deps.pool, async (client) => {
    const s = await lockOrThrow(client, id);
    const { production } = await stateOf(client, s);
    if (!production) throw new MigratorError('CONFLICT', `Schedule "${s.name}" does not run on production; it needs no approval.`);
    // An environment that became production after the schedule was made: its name was never typed back.
    const environment = (await getEnvironment(client, s.environmentId))!;
    if (s.confirmProduction !== environment.name) {
      throw new MigratorError(
        'PRODUCTION_CONFIRMATION_REQUIRED',
        `"${environment.name}" is a production environment: change the schedule with confirmProduction set to "${environment.name}" first, then approve it.`,
      );
    }
    const version = (await db.getVersion(client, id, s.version))!;
    const bumped = await bumpIfRevisionsChanged(client, s, version);
    if (bumped) {
      await syncTemporal(deps, client, bumped);
      return { changed: bumped };
    }
    if (s.approvedVersion === s.version) throw new MigratorError('CONFLICT', `Version ${s.version} of schedule "${s.name}" is already approved.`);
    if (version.createdBy === actor) {
      throw new MigratorError('FORBIDDEN', `You wrote version ${s.version} of schedule "${s.name}"; another operator must approve it.`);
    }
    const after = await db.approveVersion(client, id, s.version, actor);
    await recordAudit(client, { actor, action: 'approve', entityType: 'schedule', entityId: id, before: s, after: { ...after, approvedRevisions: { job: version.jobRevision, environment: version.environmentRevision } } });
    await syncTemporal(deps, client, after);
    return { approved: after };
  });
  if (outcome.changed) {
    await announceIfAwaitingApproval(deps, id);
    throw new MigratorError(
      'CONFLICT',
      `The job or the environment of schedule "${outcome.changed.name}" changed since version ${outcome.changed.version - 1}; review version ${outcome.changed.version} and approve that.`,
    );
  }
  return outcome.approved!;
}

async function currentRevisions(client: Db, version: db.ScheduleVersion) {
  const [job, environment] = await Promise.all([getJob(client, version.definition.jobId), getEnvironment(client, version.definition.environmentId)]);
  if (!job || !environment) return undefined;
  return { environment, jobRevision: jobRevisionOf(job), environmentRevision: environmentRevisionOf(environment) };
}

/** Whether the job or the environment of a version changed since it was written (a vanished one counts as changed). */
export async function revisionsChanged(client: Db, version: db.ScheduleVersion): Promise<boolean> {
  const current = await currentRevisions(client, version);
  return !current || current.jobRevision !== version.jobRevision || current.environmentRevision !== version.environmentRevision;
}

/**
 * When the job or the environment of a version changed since (their revisions differ), writes a
 * new version with the same definition and the current revisions, by the same author: it needs
 * an approval again. Returns the schedule after, or undefined when nothing changed.
 */
export async function bumpIfRevisionsChanged(client: Db, s: db.Schedule, version: db.ScheduleVersion): Promise<db.Schedule | undefined> {
  const current = await currentRevisions(client, version);
  if (!current) return undefined;
  const { environment, ...revisions } = current;
  if (revisions.jobRevision === version.jobRevision && revisions.environmentRevision === version.environmentRevision) return undefined;
  const next = s.version + 1;
  const definition = definitionOf(s);
  await db.insertVersion(client, { scheduleId: s.id, version: next, definition, ...revisions, production: environment.production, createdBy: version.createdBy });
  const after = await db.updateDefinition(client, s.id, { ...definition, confirmProduction: s.confirmProduction, version: next });
  await recordAudit(client, {
    actor: 'migrator',
    action: 'revision_changed',
    entityType: 'schedule',
    entityId: s.id,
    before: { version: s.version, jobRevision: version.jobRevision, environmentRevision: version.environmentRevision },
    after: { version: next, ...revisions },
  });
  return after;
}

export async function deleteSchedule(deps: ScheduleDeps, actor: string, id: string): Promise<void> {
  await withTransaction(deps.pool, async (client) => {
    const before = await lockOrThrow(client, id);
    await db.markDeleted(client, id, actor);
    await recordAudit(client, { actor, action: 'delete', entityType: 'schedule', entityId: id, before });
    await deleteTemporalSchedule(deps.temporal, id);
  });
}
