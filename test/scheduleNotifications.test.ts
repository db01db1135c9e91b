import { randomBytes, randomUUID } from 'node:crypto';

import { announceScheduleAwaitingApproval, announceScheduleRunSkipped } from '../src/notifications/announceSchedule';
import type { ScheduleFacts } from '../src/notifications/payload';
import { verifySignature } from '../src/notifications/signature';
import { isFinished, startHarness, type ApiResponse, type Harness } from './support/harness';
import { Receiver, type Received } from './support/webhookReceiver';

type Person = { name: string; token: string };
interface ScheduleEvent {
  id: string;
  event: string;
  execution: null;
  schedule: ScheduleFacts & { links: Record<string, string> };
}

describe('schedule notifications: skipped runs and versions awaiting approval', () => {
  let h: Harness;
  const receiver = new Receiver();
  const marker = `MARKER-${randomBytes(6).toString('hex')}`;
  let alice: Person;
  let bob: Person;
  let jobId: string;
  let otherJobId: string;

  beforeAll(async () => {
    await receiver.start();
    h = await startHarness({
      notifications: { allowPrivateAddresses: true, retry: { initialIntervalSeconds: 0.3, maximumIntervalSeconds: 1, retryForSeconds: 120 }, attemptTimeoutMs: 5000 },
    });
    [alice, bob] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob')]);
    const script = h.writeScript('tick.sh', 'echo "tick $1"\nsleep "$2"\n');
    const parameters = [
      { name: 'label', type: 'string', required: true },
      { name: 'seconds', type: 'integer', required: true },
    ];
    jobId = (await h.createJob({ scriptPath: script, interpreter: 'bash', parameters })).id;
    otherJobId = (await h.createJob({ scriptPath: script, interpreter: 'bash', parameters })).id;
  });
  afterAll(async () => {
    await h?.stop();
    await receiver.stop();
  });

  const as = (who: Person) => ({ token: who.token });
  const announceDeps = () => ({ pool: h.pool, temporal: h.temporal, settings: h.notifications });
  const eventOf = (hit: Received): ScheduleEvent => JSON.parse(hit.body) as ScheduleEvent;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function createTarget(path: string, events: string[], filters: Record<string, unknown>) {
    const res = await h.request('POST', '/api/v1/notifications', { name: `target-${randomBytes(4).toString('hex')}`, url: `${receiver.url}${path}`, events, ...filters });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  async function createSchedule(body: Record<string, unknown>, who: Person = alice): Promise<ApiResponse['body']> {
    const res = await h.request('POST', '/api/v1/schedules', { name: `s-${randomUUID().slice(0, 8)}`, jobId, ...body }, as(who));
    expect(res.status).toBe(201);
    return res.body;
  }

  function expectSignedAndClean(hit: Received, secret: string): ScheduleEvent {
    expect(verifySignature(secret, hit.body, String(hit.headers['migrator-signature']), Math.floor(Date.now() / 1000))).toBe(true);
    const body = eventOf(hit);
    expect(hit.headers['migrator-delivery']).toBe(body.id);
    expect(hit.headers['migrator-event']).toBe(body.event);
    expect(hit.body).not.toContain(marker);
    expect(hit.body).not.toContain('"params"');
    return body;
  }

  test('when a scheduled run collides with a running execution of the same job and environment, then schedule.run_skipped arrives with ALREADY_RUNNING, once per run; targets filtered elsewhere get nothing', async () => {
    const env = await h.createEnvironment();
    const elsewhere = await h.createEnvironment();
    const target = await createTarget('/skips', ['schedule.run_skipped'], { environmentIds: [env.id] });
    await createTarget('/skips-elsewhere', ['schedule.run_skipped'], { environmentIds: [elsewhere.id] });
    await createTarget('/skips-other-job', ['schedule.run_skipped'], { jobIds: [otherJobId] });

    const manual = await h.request('POST', '/api/v1/executions', { jobId, environmentId: env.id, params: { label: 'manual', seconds: 6 } }, as(alice));
    expect(manual.status).toBe(202);
    const schedule = await createSchedule({ environmentId: env.id, intervalSeconds: 1, params: { label: marker, seconds: 0 } });

    const hit = await receiver.waitFor('schedule.run_skipped', () => receiver.at('/skips').find((r) => eventOf(r).schedule?.id === schedule.id));
    const body = expectSignedAndClean(hit, target.secret);
    expect(body).toMatchObject({
      event: 'schedule.run_skipped',
      execution: null,
      schedule: {
        id: schedule.id,
        name: schedule.name,
        version: 1,
        jobId,
        environmentId: env.id,
        environmentName: env.name,
        production: false,
        run: { reasonCode: 'ALREADY_RUNNING' },
      },
    });
    expect(body.schedule.links).toEqual({
      console: `${h.url}/schedules/${schedule.id}`,
      api: `${h.url}/api/v1/schedules/${schedule.id}`,
      temporalUi: `http://127.0.0.1:8233/namespaces/default/schedules/migrator-schedule-${schedule.id}`,
    });
    expect((await h.request('DELETE', `/api/v1/schedules/${schedule.id}`, undefined, as(alice))).status).toBe(204);
    await h.waitForExecution(manual.body.id, isFinished);

    // Every skipped run of the schedule was announced exactly once, each with its own delivery id.
    const skipped = (await h.pool.query<{ id: string }>(`select id::text from schedule_runs where schedule_id = $1 and outcome = 'skipped'`, [schedule.id])).rows;
    const deliveries = await h.request('GET', `/api/v1/notifications/${target.id}/deliveries`);
    const ofSchedule = (deliveries.body.items as { scheduleId: string; scheduleRunId: string; event: string; id: string }[]).filter((d) => d.scheduleId === schedule.id);
    expect(ofSchedule.map((d) => d.scheduleRunId).sort()).toEqual(skipped.map((r) => r.id).sort());
    expect(ofSchedule.every((d) => d.event === 'schedule.run_skipped')).toBe(true);

    // Announcing a run again finds the same delivery and sends nothing more.
    const again = await announceScheduleRunSkipped(announceDeps(), body.schedule.run!.id);
    expect(again).toEqual([body.id]);
    await receiver.waitFor('every skipped run delivered', () => {
      const ids = new Set(receiver.at('/skips').filter((r) => r.answered === 200 && eventOf(r).schedule?.id === schedule.id).map((r) => eventOf(r).id));
      return ids.size === ofSchedule.length ? receiver.at('/skips')[0] : undefined;
    });
    await sleep(1500);
    const delivered = receiver.at('/skips').filter((r) => eventOf(r).schedule?.id === schedule.id).map((r) => eventOf(r).id);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(receiver.at('/skips-elsewhere')).toEqual([]);
    expect(receiver.at('/skips-other-job')).toEqual([]);
  });

  test('when a production schedule is created and its params change, then schedule.awaiting_approval arrives once per version; an approval announces nothing', async () => {
    const prod = await h.createEnvironment({ production: true });
    const target = await createTarget('/approvals', ['schedule.awaiting_approval'], { onlyProduction: true });
    await createTarget('/approvals-other-job', ['schedule.awaiting_approval'], { jobIds: [otherJobId] });
    const base = { environmentId: prod.id, intervalSeconds: 3600, params: { label: marker, seconds: 0 }, confirmProduction: prod.name };

    const schedule = await createSchedule(base);
    expect(schedule).toMatchObject({ state: 'awaiting_approval', version: 1 });
    const forVersion = (v: number) => () => receiver.at('/approvals').find((r) => eventOf(r).schedule?.id === schedule.id && eventOf(r).schedule.version === v);
    const first = expectSignedAndClean(await receiver.waitFor('awaiting approval of version 1', forVersion(1)), target.secret);
    expect(first).toMatchObject({
      event: 'schedule.awaiting_approval',
      schedule: { id: schedule.id, name: schedule.name, version: 1, production: true, environmentName: prod.name, run: null },
    });

    expect((await h.request('POST', `/api/v1/schedules/${schedule.id}/approve`, {}, as(alice))).status).toBe(403);
    const approved = await h.request('POST', `/api/v1/schedules/${schedule.id}/approve`, {}, as(bob));
    expect(approved.body).toMatchObject({ state: 'active', approvedVersion: 1 });

    const changed = await h.request('PATCH', `/api/v1/schedules/${schedule.id}`, { params: { label: `${marker}-2`, seconds: 0 }, confirmProduction: prod.name }, as(bob));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ state: 'awaiting_approval', version: 2 });
    const second = expectSignedAndClean(await receiver.waitFor('awaiting approval of version 2', forVersion(2)), target.secret);
    expect(second.id).not.toBe(first.id);

    // A retried announcement of the same version finds the same delivery.
    expect(await announceScheduleAwaitingApproval(announceDeps(), schedule.id)).toEqual([second.id]);
    await sleep(1500);
    const events = receiver.at('/approvals').filter((r) => r.answered === 200 && eventOf(r).schedule?.id === schedule.id);
    expect(events.map((r) => eventOf(r).schedule.version)).toEqual([1, 2]);
    expect(receiver.at('/approvals-other-job')).toEqual([]);
    expect((await h.request('DELETE', `/api/v1/schedules/${schedule.id}`, undefined, as(alice))).status).toBe(204);
  });
});
