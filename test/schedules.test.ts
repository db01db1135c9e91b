import { randomUUID } from 'node:crypto';

import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';

import { createScheduleActivities } from '../src/activities/scheduledRun';
import { createLogger } from '../src/logger';
import { reconcileSchedules } from '../src/schedules/reconcile';
import type { ScheduledRunResult } from '../src/workflows/types';
import { isFinished, startHarness, type ApiResponse, type Harness } from './support/harness';
import { startMigratorProcess } from './support/migratorProcesses';

type Person = { name: string; token: string };

describe('schedules', () => {
  let h: Harness;
  let alice: Person;
  let bob: Person;
  let viewer: Person;
  let jobId: string;

  beforeAll(async () => {
    h = await startHarness();
    [alice, bob, viewer] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob'), h.createToken('viewer')]);
    const script = h.writeScript('tick.sh', 'echo "tick $1"\nsleep "$2"\n');
    jobId = (
      await h.createJob({
        scriptPath: script,
        interpreter: 'bash',
        parameters: [
          { name: 'label', type: 'string', required: true },
          { name: 'seconds', type: 'integer', required: true },
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const as = (who: Person | null) => ({ token: who ? who.token : undefined });
  const get = async (id: string): Promise<ApiResponse['body']> => (await h.request('GET', `/api/v1/schedules/${id}`)).body;
  const describeInTemporal = (id: string) => h.temporal.schedule.getHandle(`migrator-schedule-${id}`).describe();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function waitFor<T>(what: string, read: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (until(value)) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await sleep(250);
    }
  }
  const runs = async (id: string, outcome?: string): Promise<ApiResponse['body'][]> =>
    ((await get(id)).runs as ApiResponse['body'][]).filter((r) => !outcome || r.outcome === outcome);

  async function createSchedule(body: Record<string, unknown>, who: Person = alice): Promise<ApiResponse['body']> {
    const res = await h.request('POST', '/api/v1/schedules', { name: `s-${randomUUID().slice(0, 8)}`, jobId, params: { label: 'x', seconds: 0 }, ...body }, as(who));
    expect(res.status).toBe(201);
    return res.body;
  }

  test('when a schedule runs every 2 s, then it starts executions with its scheduleId; pause stops them, unpause and trigger resume them', async () => {
    const env = await h.createEnvironment();
    const created = await createSchedule({ environmentId: env.id, intervalSeconds: 2, params: { label: 'tick', seconds: 0 }, note: 'nightly import' });
    expect(created).toMatchObject({ state: 'active', paused: false, version: 1, createdBy: 'alice', production: false, intervalSeconds: 2, cron: null });
    expect(created.nextRunTimes.length).toBeGreaterThan(0);
    expect(created.nextRunTimes.length).toBeLessThanOrEqual(5);
    // Temporal holds the id, the spec and a note saying where the definition is; not the name, params or the note.
    const inTemporal = await describeInTemporal(created.id);
    expect(inTemporal.state.note).not.toContain('nightly');
    expect(JSON.stringify(inTemporal.spec)).not.toContain(created.name);

    const started = await waitFor('two started runs', () => runs(created.id, 'started'), (r) => r.length >= 2);
    const execution = await h.waitForExecution(started[0].executionId, isFinished);
    expect(execution).toMatchObject({ status: 'succeeded', scheduleId: created.id, scheduleVersion: 1, startedBy: `schedule:${created.name}`, params: { label: 'tick', seconds: 0 } });

    // Viewers read, and only read.
    expect((await h.request('GET', `/api/v1/schedules/${created.id}`, undefined, as(viewer))).status).toBe(200);
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/pause`, {}, as(viewer))).status).toBe(403);

    const paused = await h.request('POST', `/api/v1/schedules/${created.id}/pause`, { reason: 'host maintenance' }, as(bob));
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', paused: true, pausedBy: 'bob', pauseReason: 'host maintenance' });
    expect((await describeInTemporal(created.id)).state.paused).toBe(true);
    await sleep(1000); // a run taken just before the pause
    const before = (await runs(created.id)).length;
    await sleep(5000);
    expect((await runs(created.id)).length).toBe(before);

    const triggered = await h.request('POST', `/api/v1/schedules/${created.id}/trigger`, {}, as(bob));
    expect(triggered.status).toBe(202);
    await waitFor('the triggered run', () => runs(created.id), (r) => r.length === before + 1, 15_000);

    const startedWhilePaused = (await runs(created.id, 'started')).length;
    const unpaused = await h.request('POST', `/api/v1/schedules/${created.id}/unpause`, {}, as(alice));
    expect(unpaused.body).toMatchObject({ state: 'active', paused: false, pausedBy: null });
    await waitFor('runs after unpausing', () => runs(created.id, 'started'), (r) => r.length >= startedWhilePaused + 2, 20_000);
    // Newest first.
    const ids = (await runs(created.id)).map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const audit = await h.request('GET', `/api/v1/audit?entityType=schedule&entityId=${created.id}`);
    expect(audit.body.items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`).reverse()).toEqual([
      'create:alice',
      'pause:bob',
      'trigger:bob',
      'unpause:alice',
    ]);
    expect((await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(alice))).status).toBe(204);
  });

  test('when a run collides with a running execution, then it is recorded as skipped ALREADY_RUNNING; runs the overlap policy skipped are recorded as OVERLAP', async () => {
    const env = await h.createEnvironment();
    const manual = await h.request('POST', '/api/v1/executions', { jobId, environmentId: env.id, params: { label: 'manual', seconds: 6 } }, as(alice));
    expect(manual.status).toBe(202);
    const colliding = await createSchedule({ environmentId: env.id, intervalSeconds: 1 });
    // Under load a refused run can take longer than the 1 s interval, so Temporal may skip the
    // next one (OVERLAP, recorded too) before the refusal is recorded: look for the refusal.
    const skipped = await waitFor('a refused run', () => runs(colliding.id, 'skipped'), (r) => r.some((x) => x.reasonCode === 'ALREADY_RUNNING'), 20_000);
    const refused = skipped.find((x) => x.reasonCode === 'ALREADY_RUNNING');
    expect(refused).toMatchObject({ outcome: 'skipped', reasonCode: 'ALREADY_RUNNING', executionId: null, version: 1 });
    expect(refused.reason).toContain('already has an active execution');
    expect(skipped.every((x) => ['ALREADY_RUNNING', 'OVERLAP'].includes(x.reasonCode))).toBe(true);
    expect((await h.request('DELETE', `/api/v1/schedules/${colliding.id}`, undefined, as(alice))).status).toBe(204);
    await h.waitForExecution(manual.body.id, isFinished);

    // A run lasting 4 s on a 1 s schedule: Temporal skips the runs due meanwhile, and Migrator records them.
    const other = await h.createEnvironment();
    const slow = await createSchedule({ environmentId: other.id, intervalSeconds: 1, overlap: 'skip', params: { label: 'slow', seconds: 4 } });
    expect((await describeInTemporal(slow.id)).policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    const overlaps = await waitFor('runs skipped by the overlap policy', () => runs(slow.id, 'skipped'), (r) => r.some((x) => x.reasonCode === 'OVERLAP'), 20_000);
    expect(overlaps[0].reason).toContain('overlap policy');
    const taken = (await describeInTemporal(slow.id)).info.numActionsTaken;
    expect((await runs(slow.id, 'started')).length).toBeLessThanOrEqual(taken);
    expect((await h.request('DELETE', `/api/v1/schedules/${slow.id}`, undefined, as(alice))).status).toBe(204);
  });

  test('when a schedule is deleted, then its Temporal Schedule is gone, it is not found, and its runs stay on their executions', async () => {
    const env = await h.createEnvironment();
    const created = await createSchedule({ environmentId: env.id, cron: '*/5 * * * *', timeZone: 'Europe/Berlin', overlap: 'buffer_one' });
    expect((await describeInTemporal(created.id)).policies.overlap).toBe(ScheduleOverlapPolicy.BUFFER_ONE);
    expect((await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(viewer))).status).toBe(403);
    expect((await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(bob))).status).toBe(204);
    await expect(describeInTemporal(created.id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await h.request('GET', `/api/v1/schedules/${created.id}`)).status).toBe(404);
    const list = await h.request('GET', '/api/v1/schedules', undefined, as(viewer));
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(created.id);
  });

  test('when a schedule runs on production, then it stays paused until a second operator approves it; changing its params or its job asks again', async () => {
    const env = await h.createEnvironment({ production: true });
    const base = { name: `prod-${randomUUID().slice(0, 8)}`, jobId, environmentId: env.id, intervalSeconds: 2, params: { label: 'prod', seconds: 0 } };
    const unconfirmed = await h.request('POST', '/api/v1/schedules', base, as(alice));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.code).toBe('PRODUCTION_CONFIRMATION_REQUIRED');

    const created = await createSchedule({ ...base, confirmProduction: env.name });
    expect(created).toMatchObject({ state: 'awaiting_approval', awaitingApproval: true, production: true, approvedVersion: null });
    expect((await describeInTemporal(created.id)).state.paused).toBe(true);
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/trigger`, {}, as(bob))).status).toBe(409);

    const byAuthor = await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(alice));
    expect(byAuthor.status).toBe(403);
    expect(byAuthor.body.code).toBe('FORBIDDEN');
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(viewer))).status).toBe(403);
    expect(await runs(created.id)).toEqual([]);

    const approved = await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(bob));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'active', approvedVersion: 1, approvedBy: 'bob' });
    expect((await describeInTemporal(created.id)).state.paused).toBe(false);

    // Each run is an ordinary execution carrying the version's approval: nobody approves it again.
    const [run] = await waitFor('a run on production', () => runs(created.id, 'started'), (r) => r.length >= 1);
    const execution = await h.waitForExecution(run.executionId, isFinished);
    expect(execution).toMatchObject({ status: 'succeeded', startedBy: `schedule:${base.name}`, approvedBy: 'bob', scheduleVersion: 1, scheduleId: created.id });

    // New params: the confirmation again, then a new version waiting for someone other than its author.
    const noConfirm = await h.request('PATCH', `/api/v1/schedules/${created.id}`, { params: { label: 'prod2', seconds: 0 } }, as(bob));
    expect(noConfirm.status).toBe(400);
    expect((await get(created.id)).version).toBe(1);
    const changed = await h.request('PATCH', `/api/v1/schedules/${created.id}`, { params: { label: 'prod2', seconds: 0 }, confirmProduction: env.name }, as(bob));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, approvedVersion: 1, state: 'awaiting_approval' });
    expect((await describeInTemporal(created.id)).state.paused).toBe(true);
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(bob))).status).toBe(403);
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(alice))).body).toMatchObject({ state: 'active', approvedVersion: 2, approvedBy: 'alice' });

    // An admin edits the job: the approved version no longer describes what would run.
    await h.request('POST', `/api/v1/schedules/${created.id}/pause`, {}, as(alice));
    await waitFor('no run in flight', async () => (await h.request('GET', `/api/v1/executions?jobId=${jobId}&status=queued,running,awaiting_approval`)).body.items, (i) => i.length === 0);
    await sleep(500);
    const startedBefore = (await runs(created.id, 'started')).length;
    expect((await h.request('PATCH', `/api/v1/jobs/${jobId}`, { timeoutSeconds: 601 })).status).toBe(200);
    expect(await get(created.id)).toMatchObject({ version: 2, approvedVersion: 2, revisionChanged: true, awaitingApproval: true });
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/trigger`, {}, as(bob))).status).toBe(202);
    const skipped = await waitFor('a run skipped for the job change', () => runs(created.id, 'skipped'), (r) => r.some((x) => x.reasonCode === 'REVISION_CHANGED'));
    expect(skipped.find((x) => x.reasonCode === 'REVISION_CHANGED')).toMatchObject({ version: 2, executionId: null });
    expect(await get(created.id)).toMatchObject({ version: 3, approvedVersion: 2, awaitingApproval: true });
    expect((await runs(created.id, 'started')).length).toBe(startedBefore);
    // Version 3 was written for the job change with the author of version 2: the other operator approves it.
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(bob))).status).toBe(403);
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(alice))).body).toMatchObject({ approvedVersion: 3, state: 'paused', revisionChanged: false });

    // An approval that meets a change of the job approves nothing and writes the version to approve.
    expect((await h.request('PATCH', `/api/v1/jobs/${jobId}`, { timeoutSeconds: 600 })).status).toBe(200);
    const stale = await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(alice));
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain('review version 4');
    expect((await h.request('POST', `/api/v1/schedules/${created.id}/approve`, {}, as(alice))).body).toMatchObject({ approvedVersion: 4, revisionChanged: false, awaitingApproval: false });

    const audit = await h.request('GET', `/api/v1/audit?entityType=schedule&entityId=${created.id}`);
    const actions = audit.body.items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`).reverse();
    expect(actions).toEqual(['create:alice', 'approve:bob', 'update:bob', 'approve:alice', 'pause:alice', 'trigger:bob', 'revision_changed:migrator', 'approve:alice', 'revision_changed:migrator', 'approve:alice']);
    expect((await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(alice))).status).toBe(204);
  });

  test('when the Temporal Schedule is deleted or changed behind Migrator, then reconciliation puts it back and reports one it does not know', async () => {
    const env = await h.createEnvironment();
    const created = await createSchedule({ environmentId: env.id, cron: '0 3 * * *', timeZone: 'America/Sao_Paulo' });
    const original = await describeInTemporal(created.id);
    const logger = createLogger('test', 'silent');
    const reconcile = () => reconcileSchedules({ pool: h.pool, temporal: h.temporal, taskQueue: h.taskQueue, logger });

    const stranger = `migrator-schedule-${randomUUID()}`;
    await h.temporal.schedule.create({
      scheduleId: stranger,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledRun', taskQueue: h.taskQueue, args: [{ scheduleId: randomUUID() }] },
      state: { paused: true },
    });
    try {
      await h.temporal.schedule.getHandle(`migrator-schedule-${created.id}`).delete();
      let report = await reconcile();
      expect(report.recreated).toContain(created.id);
      expect(report.unknown).toContain(stranger);
      expect(report.failed.filter((f) => f.id === created.id)).toEqual([]);
      expect((await describeInTemporal(created.id)).spec).toEqual(original.spec);

      // Someone pauses it and changes its spec in the Temporal UI.
      const handle = h.temporal.schedule.getHandle(`migrator-schedule-${created.id}`);
      await handle.update((previous) => ({ ...previous, spec: { intervals: [{ every: '1 minute' }] }, state: { paused: true } }));
      report = await reconcile();
      expect(report.corrected).toContain(created.id);
      const putBack = await describeInTemporal(created.id);
      expect(putBack.spec).toEqual(original.spec);
      expect(putBack.state.paused).toBe(false);
      expect((await reconcile()).corrected).not.toContain(created.id);
      // Reported, never deleted.
      expect((await h.temporal.schedule.getHandle(stranger).describe()).state.paused).toBe(true);
    } finally {
      await h.temporal.schedule.getHandle(stranger).delete();
      await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(alice));
    }
  });

  test('when its Temporal Schedule is deleted behind Migrator and a worker starts, then the worker creates it again', async () => {
    const env = await h.createEnvironment();
    const created = await createSchedule({ environmentId: env.id, cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
    const original = await describeInTemporal(created.id);
    await h.temporal.schedule.getHandle(`migrator-schedule-${created.id}`).delete();
    await expect(h.temporal.schedule.getHandle(`migrator-schedule-${created.id}`).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    // A real worker process, as after a deploy or a crash: it reconciles the schedules at start.
    const worker = startMigratorProcess('worker', {
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      SSH_KEY_DIR: h.services.ssh.dir,
      LOG_LEVEL: 'info',
    });
    try {
      await worker.waitForOutput('worker started');
      expect(worker.output()).toContain('The Temporal Schedule of a schedule was missing; created it again.');
      expect((await describeInTemporal(created.id)).spec).toEqual(original.spec);
    } finally {
      await worker.stop();
      await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(alice));
    }
  });

  test('when the input is bad, then the answer is 400 naming the field and nothing is created', async () => {
    const env = await h.createEnvironment();
    const count = async () => ({
      schedules: (await h.request('GET', '/api/v1/schedules')).body.items.length,
      audit: (await h.request('GET', '/api/v1/audit?entityType=schedule&limit=200')).body.items.length,
      rows: Number((await h.pool.query('select count(*) from schedules')).rows[0].count),
    });
    const before = await count();
    const base = { name: 'bad', jobId, environmentId: env.id, params: { label: 'x', seconds: 0 }, intervalSeconds: 60 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, intervalSeconds: undefined, cron: 'every tuesday' }, 'cron'],
      [{ ...base, intervalSeconds: undefined, cron: '61 * * * *' }, 'cron'],
      [{ ...base, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ ...base, jobId: randomUUID() }, 'jobId'],
      [{ ...base, environmentId: randomUUID() }, 'environmentId'],
      [{ ...base, params: { label: 'x', seconds: 'soon' } }, 'params.seconds'],
      [{ ...base, cron: '* * * * *' }, 'cron'],
      [{ ...base, overlap: 'allow_all' }, 'overlap'],
    ];
    for (const [body, field] of cases) {
      const res = await h.request('POST', '/api/v1/schedules', body, as(alice));
      expect({ field, status: res.status, type: res.headers.get('content-type') }).toEqual({ field, status: 400, type: expect.stringContaining('application/problem+json') });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await count()).toEqual(before);

    // A change is checked the same way, and changes nothing when refused.
    const created = await createSchedule({ environmentId: env.id, intervalSeconds: 3600 });
    const bad = await h.request('PATCH', `/api/v1/schedules/${created.id}`, { cron: 'nope', intervalSeconds: null }, as(alice));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('cron');
    expect(await get(created.id)).toMatchObject({ version: 1, intervalSeconds: 3600, cron: null });
    expect((await h.request('DELETE', `/api/v1/schedules/${created.id}`, undefined, as(alice))).status).toBe(204);
  });

  test('when Temporal starts a trigger under the workflow id of a run due in the same second (a new run of it), then it is a run of its own, not the earlier one found again', async () => {
    // Temporal names a Schedule's workflows by the second they were due: a trigger in the second of
    // a scheduled run reuses its workflow id once that run ended. The activity is called as those
    // two runs would call it: one workflow id, two run ids.
    const env = await h.createEnvironment();
    const created = await createSchedule({ environmentId: env.id, intervalSeconds: 3600 });
    const activities = createScheduleActivities({ pool: h.pool, logger: createLogger('schedules-test', 'silent'), temporal: h.temporal, schedulePollMs: 250 });
    const workflowId = `migrator-schedule-${created.id}-2026-11-26T06:25:00Z`;
    const runAs = (runId: string): Promise<ScheduledRunResult> =>
      new MockActivityEnvironment({ workflowExecution: { workflowId, runId }, taskQueue: h.taskQueue }).run(activities.startScheduledRun, created.id as string);

    const first = await runAs(randomUUID());
    expect(first).toMatchObject({ outcome: 'started' });
    await h.waitForExecution(first.executionId!, isFinished, 60_000);
    const secondRunId = randomUUID();
    const second = await runAs(secondRunId);
    expect(second).toMatchObject({ outcome: 'started' });
    expect(second.executionId).not.toBe(first.executionId);
    // A retried attempt of that second run finds its own record: nothing is started or recorded twice.
    expect(await runAs(secondRunId)).toEqual(second);
    expect((await runs(created.id)).map((r) => r.executionId)).toEqual([second.executionId, first.executionId]);
    await h.waitForExecution(second.executionId!, isFinished, 60_000);
  });
});
