import { readFileSync } from 'node:fs';
import path from 'node:path';

import { startPrivatePostgres, type PrivatePostgres } from '../scripts/lib/privatePostgres';
import { linesBeforeRelease, startCountingRun } from './support/countingRun';
import { isFinished, startHarness, type Harness } from './support/harness';

describe('PostgreSQL down for longer than the retry budget', () => {
  let pg: PrivatePostgres;
  let h: Harness;

  beforeAll(async () => {
    // Its own PostgreSQL server, so stopping it disturbs no other test file.
    pg = await startPrivatePostgres();
    // A retry budget of seconds (the default is minutes), so the outage outlasts it quickly.
    h = await startHarness({ adminUrl: pg.adminUrl, executionTuning: { retryMaxAttempts: 2, retryMaxIntervalSeconds: 1 }, reconcileIntervalMs: 1000 });
  });
  afterAll(async () => {
    await h?.stop();
    pg?.stop();
  });

  test('when PostgreSQL stops while one execution runs and one is queued, then both end once it is back, the script ran once, the other never, and the environment takes new executions', async () => {
    const env = await h.createEnvironment({ maxConcurrency: 1 });
    const running = await startCountingRun(h, env.id, 'outage-running');
    await h.waitForExecution(running.id, (e) => e.lineCount >= linesBeforeRelease, 60_000);
    const queuedMarker = path.join(h.scriptsDir, 'outage-queued.ran');
    const queuedJob = await h.createJob({ scriptPath: h.writeScript('outage-queued.js', `require('fs').appendFileSync(${JSON.stringify(queuedMarker)}, 'ran\\n')`) });
    const queued = await h.request('POST', '/api/v1/executions', { jobId: queuedJob.id, environmentId: env.id, params: {} });
    expect(queued.status).toBe(202);
    await h.waitForExecution(queued.body.id, (e) => e.status === 'queued' && e.queuePosition === 0);

    pg.down();
    // The script prints the rest of its lines while nothing can store them.
    running.release();
    await new Promise((r) => setTimeout(r, 15_000));
    pg.up();

    const [first, second] = await Promise.all([
      h.waitForExecution(running.id, isFinished, 90_000),
      h.waitForExecution(queued.body.id, isFinished, 90_000),
    ]);
    expect(first.status).not.toBe('running');
    expect(['succeeded', 'failed']).toContain(first.status);
    expect(second).toMatchObject({ status: 'failed' });
    expect(readFileSync(running.starts, 'utf8')).toBe('start\n');
    expect(() => readFileSync(queuedMarker)).toThrow();

    const again = await h.request('POST', '/api/v1/executions', { jobId: queuedJob.id, environmentId: env.id, params: {} });
    expect(again.status).toBe(202);
    expect(await h.waitForExecution(again.body.id, isFinished, 60_000)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(queuedMarker, 'utf8')).toBe('ran\n');
  }, 240_000);
});
