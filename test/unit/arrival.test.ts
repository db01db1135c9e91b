import { setTimeout as sleep } from 'node:timers/promises';

import { MockActivityEnvironment } from '@temporalio/testing';

import { announcingArrival } from '../../src/activities/arrival';

/** A step says it arrived at once and keeps saying it while it runs, so a lost delivery shows. */
describe('announcingArrival', () => {
  const step = announcingArrival({
    async slow(ms: number): Promise<string> {
      await sleep(ms);
      return 'done';
    },
  });

  test('when the step has a heartbeat timeout, then it heartbeats before its first await and every third of the timeout until it answers, then stops', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    const beats: number[] = [];
    const startedAt = Date.now();
    env.on('heartbeat', () => beats.push(Date.now() - startedAt));

    const running = env.run(step.slow, 1000);
    // Sent synchronously, as the step began: a task that arrived says so before any query or SSH.
    expect(beats).toHaveLength(1);
    expect(await running).toBe('done');
    const atAnswer = beats.length;
    // 1 at once, then one every 200 ms over a second.
    expect(atAnswer).toBeGreaterThanOrEqual(4);
    expect(atAnswer).toBeLessThanOrEqual(7);
    await sleep(500);
    expect(beats).toHaveLength(atAnswer);
  });

  test('when the workflow set no heartbeat timeout (a schedule made before), then the step sends no heartbeat', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));

    expect(await env.run(step.slow, 300)).toBe('done');
    expect(beats).toEqual([]);
  });

  test('when the step fails, then the heartbeats stop too', async () => {
    const failing = announcingArrival({
      async broken(): Promise<never> {
        await sleep(250);
        throw new Error('PostgreSQL said no');
      },
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));

    await expect(env.run(failing.broken)).rejects.toThrow('PostgreSQL said no');
    const atFailure = beats;
    expect(atFailure).toBeGreaterThanOrEqual(2);
    await sleep(400);
    expect(beats).toBe(atFailure);
  });
});
