import { readSse } from './support/rawSse';
import { isFinished, startHarness, type Harness } from './support/harness';

describe('the list-wide status stream', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when executions start and end, then a follower of their environment hears each status change, new ones included, and nothing of other environments', async () => {
    const env = await h.createEnvironment();
    const other = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: h.writeScript('events.js', "console.log('x')") });
    const heard: { id: string; status: string }[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    let target = '';
    const following = readSse(`${h.url}/api/v1/executions/events?environmentId=${env.id}`, { authorization: `Bearer ${h.adminToken}` }, (e) => {
      if (e.event === 'ready') ready();
      if (e.event !== 'status') return;
      const change = JSON.parse(e.data) as { id: string; status: string; environmentId: string };
      expect(change.environmentId).toBe(env.id);
      heard.push({ id: change.id, status: change.status });
      return !(change.id === target && ['succeeded', 'failed'].includes(change.status));
    });
    await isReady;
    const elsewhere = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: other.id, params: {} });
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    target = started.body.id;
    await following;
    expect(heard.filter((c) => c.id === target).map((c) => c.status)).toEqual(['queued', 'running', 'succeeded']);
    expect(heard.some((c) => c.id === elsewhere.body.id)).toBe(false);
    await h.waitForExecution(elsewhere.body.id, isFinished);
  }, 60_000);

  test('when a running script reports progress, then the stream sends progress events as its answer has them, and no status event for them', async () => {
    const env = await h.createEnvironment();
    const script = h.writeScript('progress.js', "for (let i = 1; i <= 3; i++) setTimeout(() => console.log(`::progress ${i}/3`), i * 300);");
    const job = await h.createJob({ scriptPath: script });
    type Progress = { lines: number; done: number; total: number; percent: number };
    // Everything is kept and sorted out after: the insert's event may come before the POST's answer.
    const heard: { event: string; id: string; status?: string; progress?: Progress }[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    let target = '';
    const following = readSse(`${h.url}/api/v1/executions/events?environmentId=${env.id}`, { authorization: `Bearer ${h.adminToken}` }, (e) => {
      if (e.event === 'ready') ready();
      if (e.event !== 'status' && e.event !== 'progress') return;
      const change = JSON.parse(e.data) as (typeof heard)[number];
      heard.push({ ...change, event: e.event });
      return !(change.id === target && change.status === 'succeeded');
    });
    await isReady;
    target = (await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} })).body.id;
    await following;
    const mine = heard.filter((c) => c.id === target);
    const statuses = mine.filter((c) => c.event === 'status').map((c) => c.status);
    const progress = mine.filter((c) => c.event === 'progress').map((c) => c.progress!);
    expect(statuses).toEqual(['queued', 'running', 'succeeded']);
    expect(progress.map((p) => p.percent)).toEqual([33.3, 66.6, 100]);
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3 });
    expect(progress.at(-1)!.lines).toBeGreaterThanOrEqual(3);
    const done = await h.waitForExecution(target, isFinished);
    expect(done.progress).toMatchObject(progress.at(-1)!);
  }, 60_000);
});
