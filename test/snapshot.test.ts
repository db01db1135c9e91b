import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { linesBeforeRelease, startCountingRun } from './support/countingRun';
import { isFinished, startHarness, type Harness } from './support/harness';

describe('what runs is what was started', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when an admin edits a queued execution’s job, then the execution still runs the job as it was at its start', async () => {
    const env = await h.createEnvironment({ maxConcurrency: 1 });
    const blocker = await startCountingRun(h, env.id, 'snapshot-blocker');
    await h.waitForExecution(blocker.id, (e) => e.lineCount >= linesBeforeRelease, 60_000);

    const ran = path.join(h.scriptsDir, 'snapshot.ran');
    const original = h.writeScript('snapshot-original.sh', `echo "original $1" >> ${ran}\n`);
    const replacement = h.writeScript('snapshot-replacement.sh', `echo "replacement $1" >> ${ran}\n`);
    const job = await h.createJob({ scriptPath: original, interpreter: 'bash', parameters: [{ name: 'tenant', type: 'string' }] });
    const queued = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: { tenant: 't1' } });
    expect(queued.status).toBe(202);
    await h.waitForExecution(queued.body.id, (e) => e.status === 'queued');

    const edited = await h.request('PATCH', `/api/v1/jobs/${job.id}`, { scriptPath: replacement, parameters: [] });
    expect(edited.status).toBe(200);
    blocker.release();

    expect(await h.waitForExecution(queued.body.id, isFinished, 60_000)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(ran, 'utf8')).toBe('original t1\n');
  }, 120_000);

  test('when an environment has an active execution, then changing how it is reached is 409 and changes nothing; other fields change, and the connection too once it ended', async () => {
    const env = await h.createEnvironment();
    const run = await startCountingRun(h, env.id, 'snapshot-env');
    await h.waitForExecution(run.id, (e) => e.lineCount >= linesBeforeRelease, 60_000);

    for (const patch of [{ host: '10.0.0.1' }, { port: 2222 }, { username: 'other' }, { shellInit: 'echo hi' }, { nodePath: '/opt/other/node' }, { hostKeyFingerprint: null }]) {
      const res = await h.request('PATCH', `/api/v1/environments/${env.id}`, patch);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CONFLICT');
      expect(res.body.detail).toContain('active execution');
    }
    const unchanged = (await h.request('GET', `/api/v1/environments/${env.id}`)).body;
    expect(unchanged).toMatchObject({ host: h.services.ssh.host, port: h.services.ssh.port, shellInit: null });
    expect((await h.request('PATCH', `/api/v1/environments/${env.id}`, { maxConcurrency: 3 })).status).toBe(200);
    // The same value is no change.
    expect((await h.request('PATCH', `/api/v1/environments/${env.id}`, { host: h.services.ssh.host })).status).toBe(200);

    run.release();
    expect(await h.waitForExecution(run.id, isFinished, 60_000)).toMatchObject({ status: 'succeeded' });
    expect(existsSync(run.starts)).toBe(true);
    expect((await h.request('PATCH', `/api/v1/environments/${env.id}`, { shellInit: 'export A=1' })).status).toBe(200);
  }, 120_000);
});
