import { randomBytes } from 'node:crypto';

import { announceExecutionStatus } from '../src/notifications/announce';
import { verifySignature } from '../src/notifications/signature';
import { isFinished, startHarness, type Harness } from './support/harness';
import { Receiver, type Received } from './support/webhookReceiver';

describe('notifications: webhooks delivered by Temporal', () => {
  let h: Harness;
  const receiver = new Receiver();
  const marker = `MARKER-${randomBytes(6).toString('hex')}`;
  let okJobId: string;
  let failJobId: string;
  let alice: { token: string };
  let bob: { token: string };

  beforeAll(async () => {
    await receiver.start();
    h = await startHarness({
      notifications: { allowPrivateAddresses: true, retry: { initialIntervalSeconds: 0.3, maximumIntervalSeconds: 1, retryForSeconds: 120 }, attemptTimeoutMs: 5000 },
    });
    const ok = h.writeScript('ok.sh', 'echo "note: $1"\n');
    const fail = h.writeScript('fail.sh', 'echo "note: $1"\nexit 3\n');
    const parameters = [{ name: 'note', type: 'string' }];
    okJobId = (await h.createJob({ scriptPath: ok, interpreter: 'bash', parameters })).id;
    failJobId = (await h.createJob({ scriptPath: fail, interpreter: 'bash', parameters })).id;
    [alice, bob] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob')]);
  });
  afterAll(async () => {
    await h?.stop();
    await receiver.stop();
  });

  async function createTarget(path: string, environmentIds: string[] | null, extra: Record<string, unknown> = {}) {
    const res = await h.request('POST', '/api/v1/notifications', {
      name: `target-${randomBytes(4).toString('hex')}`,
      url: `${receiver.url}${path}`,
      events: ['execution.awaiting_approval', 'execution.succeeded', 'execution.failed', 'execution.rejected'],
      environmentIds,
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; url: string };
  }

  async function start(jobId: string, environment: { id: string; name: string; production: boolean }, token = alice.token) {
    const res = await h.request(
      'POST',
      '/api/v1/executions',
      { jobId, environmentId: environment.id, params: { note: marker }, ...(environment.production ? { confirmProduction: environment.name } : {}) },
      { token },
    );
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  function expectSignedAndClean(hit: Received, secret: string): Record<string, unknown> {
    expect(verifySignature(secret, hit.body, String(hit.headers['migrator-signature']), Math.floor(Date.now() / 1000))).toBe(true);
    const body = JSON.parse(hit.body) as Record<string, unknown>;
    expect(hit.headers['migrator-delivery']).toBe(body.id);
    expect(hit.body).not.toContain(marker);
    expect(hit.body).not.toContain('note:');
    return body;
  }

  const eventOf = (hit: Received): { event: string; execution: { id: string } | null } => JSON.parse(hit.body);

  test('when executions await approval, fail and succeed, then each event arrives signed, with its delivery id and without param values; a second announcement delivers nothing more', async () => {
    const env = await h.createEnvironment();
    const prod = await h.createEnvironment({ production: true });
    const target = await createTarget('/events', [env.id, prod.id]);
    expect(target.secret).toMatch(/^whsec_/);
    expect(target.url).toBe(`${receiver.url}/…`);

    const succeeded = await start(okJobId, env);
    await h.waitForExecution(succeeded, isFinished);
    const failed = await start(failJobId, env);
    await h.waitForExecution(failed, isFinished);
    const awaiting = await start(okJobId, prod);

    const find = (id: string, event: string) => () => receiver.at('/events').find((r) => eventOf(r).event === event && eventOf(r).execution?.id === id);
    const ok = expectSignedAndClean(await receiver.waitFor('execution.succeeded', find(succeeded, 'execution.succeeded')), target.secret);
    expect(ok).toMatchObject({ event: 'execution.succeeded', target: { id: target.id }, execution: { id: succeeded, status: 'succeeded', errorCode: null } });
    expect((ok.execution as { links: Record<string, string> }).links).toEqual({
      console: `${h.url}/executions/${succeeded}`,
      api: `${h.url}/api/v1/executions/${succeeded}`,
      temporalUi: `http://127.0.0.1:8233/namespaces/default/workflows/execution-${succeeded}`,
    });
    const bad = expectSignedAndClean(await receiver.waitFor('execution.failed', find(failed, 'execution.failed')), target.secret);
    expect(bad).toMatchObject({ execution: { id: failed, status: 'failed', errorCode: 'SCRIPT_FAILED', exitCode: 3 } });
    const waiting = expectSignedAndClean(await receiver.waitFor('execution.awaiting_approval', find(awaiting, 'execution.awaiting_approval')), target.secret);
    expect(waiting).toMatchObject({ execution: { id: awaiting, status: 'awaiting_approval', production: true, startedBy: 'alice' } });

    expect((await h.request('POST', `/api/v1/executions/${awaiting}/reject`, { reason: 'not tonight' }, { token: bob.token })).status).toBe(200);
    const rejected = expectSignedAndClean(await receiver.waitFor('execution.rejected', find(awaiting, 'execution.rejected')), target.secret);
    expect(rejected).toMatchObject({ execution: { id: awaiting, status: 'rejected' } });
    expect(JSON.stringify(rejected)).not.toContain('not tonight');

    // A retried finalize announces again: the same delivery, and its workflow is not started twice.
    const seen = receiver.at('/events').length;
    const again = await announceExecutionStatus({ pool: h.pool, temporal: h.temporal, settings: h.notifications }, succeeded);
    expect(again).toEqual([ok.id]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.at('/events')).toHaveLength(seen);
    expect(new Set(receiver.at('/events').map((r) => r.headers['migrator-delivery'])).size).toBe(seen);

    const deliveries = await h.request('GET', `/api/v1/notifications/${target.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.items).toHaveLength(4);
    for (const d of deliveries.body.items) expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
  });

  test('when the receiver refuses the first three attempts, then the event arrives once it answers 200, under one delivery id', async () => {
    const env = await h.createEnvironment();
    const target = await createTarget('/flaky-1', [env.id]);
    const id = await start(okJobId, env);
    await h.waitForExecution(id, isFinished);
    await receiver.waitFor('an accepted delivery', () => receiver.at('/flaky-1').find((r) => r.answered === 200));
    await new Promise((r) => setTimeout(r, 1500));
    const hits = receiver.at('/flaky-1');
    expect(hits.map((r) => r.answered)).toEqual([503, 503, 503, 200]);
    expect(new Set(hits.map((r) => r.headers['migrator-delivery'])).size).toBe(1);
    for (const hit of hits) expectSignedAndClean(hit, target.secret);
    const [delivery] = (await h.request('GET', `/api/v1/notifications/${target.id}/deliveries`)).body.items;
    expect(delivery).toMatchObject({ id: hits[0]!.headers['migrator-delivery'], status: 'delivered', attempts: 4, lastStatus: 200, executionId: id });
  });

  test('when a running execution is cancelled, then execution.cancelled arrives from its own deterministic workflow', async () => {
    const env = await h.createEnvironment();
    const slow = h.writeScript('slow.sh', 'echo "note: $1"\nsleep 60\n');
    const slowJob = await h.createJob({ scriptPath: slow, interpreter: 'bash', parameters: [{ name: 'note', type: 'string' }] });
    const target = await createTarget('/cancelled', [env.id], { events: ['execution.cancelled'] });
    const id = await start(slowJob.id, env);
    await h.waitForExecution(id, (e) => e.status === 'running' && e.lineCount > 0);
    expect((await h.request('POST', `/api/v1/executions/${id}/cancel`, {}, { token: bob.token })).status).toBe(202);
    const hit = await receiver.waitFor('execution.cancelled', () => receiver.at('/cancelled')[0]);
    expect(expectSignedAndClean(hit, target.secret)).toMatchObject({ event: 'execution.cancelled', execution: { id, status: 'cancelled', errorCode: 'CANCELLED' } });
    const [delivery] = (await h.request('GET', `/api/v1/notifications/${target.id}/deliveries`)).body.items;
    expect(delivery.workflowId).toBe(`notify-${id}-execution.cancelled-${target.id}`);
    expect(await h.temporal.workflow.getHandle(delivery.workflowId).result()).toEqual({ delivered: true });
  });

  test('when input is bad, then the answer is 400 naming the field and nothing is created', async () => {
    const before = (await h.request('GET', '/api/v1/notifications')).body.items.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ url: `${receiver.url}/x`, events: ['execution.exploded'] }, 'events.0'],
      [{ url: 'ftp://example.org/hook', events: ['execution.failed'] }, 'url'],
      [{ url: 'file:///etc/passwd', events: ['execution.failed'] }, 'url'],
      [{ url: `${receiver.url}/x`, events: [] }, 'events'],
      [{ url: `${receiver.url}/x`, events: ['execution.failed'], format: 'xml' }, 'format'],
    ];
    for (const [body, field] of cases) {
      const res = await h.request('POST', '/api/v1/notifications', { name: `bad-${randomBytes(3).toString('hex')}`, ...body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    h.notifications.allowPrivateAddresses = false;
    try {
      for (const url of [`${receiver.url}/x`, 'http://localhost:9/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://10.1.2.3/x']) {
        const res = await h.request('POST', '/api/v1/notifications', { name: `private-${randomBytes(3).toString('hex')}`, url, events: ['execution.failed'] });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringMatching(/loopback, private or link-local/) }]);
      }
    } finally {
      h.notifications.allowPrivateAddresses = true;
    }
    expect((await h.request('GET', '/api/v1/notifications')).body.items).toHaveLength(before);
    const audit = await h.request('GET', '/api/v1/audit?entityType=notification_target&limit=200');
    expect(audit.body.items.filter((e: { after: { name?: string } | null }) => /^(bad|private)-/.test(e.after?.name ?? ''))).toEqual([]);
  });

  test('when a name resolves to loopback and private addresses are not allowed, then the connection is refused at delivery, not only at creation', async () => {
    const port = new URL(receiver.url).port;
    const target = await createTarget('/late', null, { url: `http://localhost:${port}/late` });
    h.notifications.allowPrivateAddresses = false;
    try {
      const test = await h.request('POST', `/api/v1/notifications/${target.id}/test`, {});
      expect(test.status).toBe(202);
      const deadline = Date.now() + 30_000;
      let delivery: { status: string; lastError: string | null; attempts: number } | undefined;
      while (Date.now() < deadline) {
        delivery = (await h.request('GET', `/api/v1/notifications/${target.id}/deliveries`)).body.items[0];
        if (delivery?.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/localhost resolves to (127\.0\.0\.1|::1)/) });
      expect(receiver.at('/late')).toEqual([]);

      // A name that resolves to nothing yet is taken (it is checked again at each delivery), not a 500.
      const unresolved = await h.request('POST', '/api/v1/notifications', { name: 'unresolved', url: 'https://hooks.does-not-exist.invalid/x', events: ['execution.failed'] });
      expect(unresolved.status).toBe(201);
      expect((await h.request('DELETE', `/api/v1/notifications/${unresolved.body.id}`)).status).toBe(204);
    } finally {
      h.notifications.allowPrivateAddresses = true;
    }
  });

  test('when a target is read, tested in Slack format, rotated and deleted, then its URL and secret stay out of answers and the audit log', async () => {
    const target = await createTarget('/slack/T000/B000/secret-path', null, { format: 'slack', events: ['execution.failed'] });
    const listed = (await h.request('GET', '/api/v1/notifications')).body.items.find((t: { id: string }) => t.id === target.id);
    expect(listed).toMatchObject({ url: `${receiver.url}/…`, format: 'slack' });
    expect(JSON.stringify(listed)).not.toContain(target.secret);
    expect(JSON.stringify(listed)).not.toContain('secret-path');

    const sent = await h.request('POST', `/api/v1/notifications/${target.id}/test`, {});
    expect(sent.status).toBe(202);
    const hit = await receiver.waitFor('the test event', () => receiver.at('/slack/T000/B000/secret-path')[0]);
    expect(hit.headers['migrator-delivery']).toBe(sent.body.deliveryId);
    const body = JSON.parse(hit.body);
    expect(body.text).toContain('test notification');
    expect(body.blocks.length).toBeGreaterThan(0);
    expect(verifySignature(target.secret, hit.body, String(hit.headers['migrator-signature']), Math.floor(Date.now() / 1000))).toBe(true);

    const rotated = await h.request('POST', `/api/v1/notifications/${target.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(target.secret);
    const patched = await h.request('PATCH', `/api/v1/notifications/${target.id}`, { url: `${receiver.url}/slack/other-secret`, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, url: `${receiver.url}/…` });
    expect((await h.request('PATCH', `/api/v1/notifications/${target.id}`, { events: ['nope'] })).status).toBe(400);
    expect((await h.request('DELETE', `/api/v1/notifications/${target.id}`)).status).toBe(204);
    expect((await h.request('GET', `/api/v1/notifications/${target.id}`)).status).toBe(404);

    const audit = await h.request('GET', `/api/v1/audit?entityType=notification_target&entityId=${target.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['delete', 'update', 'rotate-secret', 'create']);
    const text = JSON.stringify(audit.body.items);
    for (const secret of [target.secret, rotated.body.secret, 'secret-path', 'other-secret']) expect(text).not.toContain(secret);
    const stored = await h.pool.query<{ n: number }>(`select count(*)::int as n from notification_targets where url_sealed like '%secret-path%' or secret_sealed like '%whsec_%'`);
    expect(stored.rows[0]!.n).toBe(0);
  });

  test('when an operator asks, then the targets are admin-only (403)', async () => {
    expect((await h.request('GET', '/api/v1/notifications', undefined, { token: alice.token })).status).toBe(403);
  });
});
