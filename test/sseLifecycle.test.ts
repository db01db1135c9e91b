import { existsSync, rmSync, writeFileSync } from 'node:fs';

import { readSse, type SseEvent } from './support/rawSse';
import { startOwnApi, type OwnApi } from './support/ownApi';
import { isFinished, startHarness, type Harness } from './support/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds or `ms` pass; returns the last value read. */
async function settle<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

/** Resolves with how long `reading` took to end after `since`, or 'still open' after `ms`. */
async function endedWithin(reading: Promise<unknown>, since: () => number, ms: number): Promise<number | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  const ended = reading.then(
    () => Date.now() - since(),
    () => Date.now() - since(),
  );
  try {
    return await Promise.race([ended, open]);
  } finally {
    clearTimeout(timer);
  }
}

describe('live-log streams end cleanly: aborted requests, revoked and expired tokens', () => {
  let h: Harness;
  let executionId: string;
  let releaseFile: string;

  beforeAll(async () => {
    h = await startHarness();
    releaseFile = `${h.scriptsDir}/release-waiting`;
    // Prints two lines, then stays running until the test releases it, so followers stay open.
    const script = h.writeScript(
      'waiting.js',
      [
        "const fs = require('fs');",
        "console.log('first');",
        "console.log('second');",
        'const started = Date.now();',
        'const t = setInterval(() => {',
        `  if (fs.existsSync(${JSON.stringify(releaseFile)}) || Date.now() - started > 110000) { clearInterval(t); console.log('released'); }`,
        '}, 100);',
      ].join('\n'),
    );
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: script });
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(started.status).toBe(202);
    executionId = started.body.id;
    await h.waitForExecution(executionId, (e) => e.status === 'running' && e.lineCount >= 2, 60_000);
  });
  afterAll(async () => {
    if (releaseFile && !existsSync(releaseFile)) writeFileSync(releaseFile, '');
    if (executionId) await h.waitForExecution(executionId, isFinished, 60_000).catch(() => undefined);
    if (releaseFile) rmSync(releaseFile, { force: true });
    await h?.stop();
  });

  const streamUrl = (api: OwnApi) => `${api.url}/api/v1/executions/${executionId}/logs/stream`;

  test('when 50 live-log requests are aborted within milliseconds of sending, then the clients gauge returns to 0 and no follower is left behind', async () => {
    const api = await startOwnApi(h);
    try {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const controller = new AbortController();
          const response = fetch(streamUrl(api), { headers: { authorization: `Bearer ${h.adminToken}` }, signal: controller.signal });
          await sleep(i % 10);
          controller.abort();
          await response.then((res) => res.body?.cancel()).catch(() => undefined);
        }),
      );
      const gauge = async () => {
        const text = await (await fetch(`${api.url}/metrics`)).text();
        return Number(/^migrator_sse_clients (\d+)$/m.exec(text)?.[1]);
      };
      const left = await settle(
        async () => ({ clients: await gauge(), followers: api.liveTails.followersOf(executionId) }),
        (v) => v.clients === 0 && v.followers === undefined,
        3000,
      );
      expect(left).toEqual({ clients: 0, followers: undefined });
    } finally {
      await api.stop();
    }
  });

  test('when the token of an open stream is revoked, then the stream says why and ends within the re-check interval', async () => {
    const api = await startOwnApi(h, { sseTokenRecheckSeconds: 1 });
    try {
      const viewer = await h.createToken('viewer');
      const events: SseEvent[] = [];
      let caughtUp!: () => void;
      const firstLine = new Promise<void>((resolve) => (caughtUp = resolve));
      const reading = readSse(streamUrl(api), { authorization: `Bearer ${viewer.token}` }, (e) => {
        events.push(e);
        if (e.event === 'log') caughtUp();
      });
      await firstLine;

      expect((await h.request('DELETE', `/api/v1/tokens/${viewer.id}`)).status).toBe(204);
      const revokedAt = Date.now();
      const ended = await endedWithin(reading, () => revokedAt, 6000);
      expect(typeof ended === 'number' && ended <= 3000 ? 'ended in time' : `ended: ${ended}`).toBe('ended in time');
      const last = events.at(-1)!;
      expect(last.event).toBe('unauthenticated');
      expect(JSON.parse(last.data)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(events.some((e) => e.event === 'end')).toBe(false);
    } finally {
      await api.stop();
    }
  });

  test('when the token of an open stream expires, then the stream says why and ends within the re-check interval', async () => {
    const api = await startOwnApi(h, { sseTokenRecheckSeconds: 1 });
    try {
      const expiresAt = Date.now() + 2500;
      const created = await h.request('POST', '/api/v1/tokens', { name: 'expiring-viewer', owner: 'viewer', role: 'viewer', expiresAt: new Date(expiresAt).toISOString() });
      expect(created.status).toBe(201);
      const events: SseEvent[] = [];
      const reading = readSse(streamUrl(api), { authorization: `Bearer ${created.body.token}` }, (e) => {
        events.push(e);
      });

      const ended = await endedWithin(reading, () => expiresAt, 8000);
      expect(typeof ended === 'number' && ended <= 3000 ? 'ended in time' : `ended: ${ended}`).toBe('ended in time');
      expect(events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).text)).toEqual(['first', 'second']);
      const last = events.at(-1)!;
      expect(last.event).toBe('unauthenticated');
      expect(JSON.parse(last.data)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    } finally {
      await api.stop();
    }
  });
});
