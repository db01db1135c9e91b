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
});
