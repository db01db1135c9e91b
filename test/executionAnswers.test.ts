import { readSse } from './support/rawSse';
import { linesBeforeRelease, startCountingRun } from './support/countingRun';
import { isFinished, startHarness, type Harness } from './support/harness';

describe('execution answers are complete, and the history is filtered by name', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const start = (jobId: string, environmentId: string, extra: Record<string, unknown> = {}) =>
    h.request('POST', '/api/v1/executions', { jobId, environmentId, params: {}, ...extra });

  test('when executions queue behind a running one, then the detail, the list and the live stream say their place (0 = next), and it moves up', async () => {
    const env = await h.createEnvironment({ maxConcurrency: 1 });
    const blocker = await startCountingRun(h, env.id, 'answers-blocker');
    await h.waitForExecution(blocker.id, (e) => e.lineCount >= linesBeforeRelease, 60_000);
    // Three seconds each: while the first runs the second is next (0) for several of the stream's
    // 1 s ticks; a run of a second or less could end before the tick that reports 0 (it did, in CI).
    const script = h.writeScript('answers-quick.js', "setTimeout(() => console.log('ok'), 3000)");
    const [first, second] = [(await h.createJob({ scriptPath: script })).id, (await h.createJob({ scriptPath: script })).id];
    const a = (await start(first, env.id)).body.id;
    const b = (await start(second, env.id)).body.id;
    await h.waitForExecution(b, (e) => e.status === 'queued' && e.queuePosition === 1);
    expect((await h.request('GET', `/api/v1/executions/${a}`)).body.queuePosition).toBe(0);
    const list = (await h.request('GET', `/api/v1/executions?environmentId=${env.id}`)).body.items;
    expect(Object.fromEntries(list.map((e: { id: string; queuePosition: number | null }) => [e.id, e.queuePosition]))).toEqual({
      [blocker.id]: null,
      [a]: 0,
      [b]: 1,
    });

    const positions: (number | null)[] = [];
    const following = readSse(`${h.url}/api/v1/executions/${b}/logs/stream`, { authorization: `Bearer ${h.adminToken}` }, (e) => {
      if (e.event !== 'status') return;
      const data = JSON.parse(e.data) as { status: string; queuePosition: number | null };
      if (data.status === 'queued') positions.push(data.queuePosition);
      if (data.status === 'queued' && data.queuePosition === 1) blocker.release();
      return data.status === 'queued';
    });
    await following;
    expect(positions[0]).toBe(1);
    expect(positions).toContain(0);
    await h.waitForExecution(b, isFinished, 60_000);
  }, 120_000);

  test('when an execution is read, then it names its job, source and environment, and says when it was rejected, cancelled, or must be approved by', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('answers-wait.js', 'setTimeout(() => {}, 60000)') });
    const source = (await h.request('GET', `/api/v1/sources/${job.sourceId}`)).body;
    const env = await h.createEnvironment();
    const started = (await start(job.id, env.id)).body.id;
    await h.waitForExecution(started, (e) => e.status === 'running');
    await h.request('POST', `/api/v1/executions/${started}/cancel`);
    const cancelled = await h.waitForExecution(started, isFinished, 30_000);
    expect(cancelled).toMatchObject({ jobName: job.name, sourceName: source.name, environmentName: env.name, status: 'cancelled', cancelledBy: 'bootstrap-admin', rejectedAt: null });
    expect(Date.parse(cancelled.cancelledAt)).toBe(Date.parse(cancelled.finishedAt));

    const prod = await h.createEnvironment({ production: true, approvalTimeoutSeconds: 3600 });
    const before = Date.now();
    const waiting = (await start(job.id, prod.id, { confirmProduction: prod.name })).body.id;
    const awaiting = (await h.request('GET', `/api/v1/executions/${waiting}`)).body;
    expect(awaiting.status).toBe('awaiting_approval');
    expect(Date.parse(awaiting.approvalDeadline) - before).toBeGreaterThan(3590_000);
    expect(Date.parse(awaiting.approvalDeadline) - before).toBeLessThan(3610_000);
    const bob = await h.createToken('operator', 'bob');
    await h.request('POST', `/api/v1/executions/${waiting}/reject`, { reason: 'not today' }, { token: bob.token });
    const rejected = (await h.request('GET', `/api/v1/executions/${waiting}`)).body;
    expect(rejected).toMatchObject({ status: 'rejected', rejectedBy: 'bob', cancelledAt: null });
    expect(Date.parse(rejected.rejectedAt)).toBe(Date.parse(rejected.finishedAt));
  }, 90_000);

  test('when the history is filtered by job, source or environment name, or by starter in any letter case, then only those come back', async () => {
    const env = await h.createEnvironment();
    const other = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: h.writeScript('answers-named.js', "console.log('x')") });
    const source = (await h.request('GET', `/api/v1/sources/${job.sourceId}`)).body;
    const mine = (await start(job.id, env.id)).body.id;
    await h.waitForExecution(mine, isFinished, 30_000);
    const elsewhere = (await start(job.id, other.id)).body.id;
    await h.waitForExecution(elsewhere, isFinished, 30_000);
    const ids = async (query: string) =>
      ((await h.request('GET', `/api/v1/executions?${query}`)).body.items as { id: string }[]).map((e) => e.id).sort();

    expect(await ids(`job=${encodeURIComponent(job.name)}`)).toEqual([mine, elsewhere].sort());
    expect(await ids(`source=${encodeURIComponent(source.name)}`)).toEqual([mine, elsewhere].sort());
    expect(await ids(`environment=${encodeURIComponent(env.name)}`)).toEqual([mine]);
    expect(await ids(`job=${encodeURIComponent(job.name)}&environment=${encodeURIComponent(other.name)}`)).toEqual([elsewhere]);
    expect(await ids('job=no-such-job')).toEqual([]);
    expect((await ids(`startedBy=Bootstrap-Admin&job=${encodeURIComponent(job.name)}`)).length).toBe(2);
  }, 90_000);
});
