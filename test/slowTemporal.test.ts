import net from 'node:net';

import { Client, Connection } from '@temporalio/client';

import { createApp } from '../src/api/app';
import { startServer, type RunningServer } from '../src/api/server';
import { createPool } from '../src/db/pool';
import { createLogger } from '../src/logger';
import { LiveTails } from '../src/logs/liveTail';
import { startHarness, type Harness } from './support/harness';
import { testDataConverter } from './support/temporalTest';

/** A TCP proxy in front of Temporal's frontend that can stop forwarding, as a stalled server or network would. */
async function stallableProxy(target: string): Promise<{ address: string; stall(): void; close(): Promise<void> }> {
  const [host, port] = target.split(':');
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => stalled || upstream.write(d));
    upstream.on('data', (d) => stalled || client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    stall: () => {
      stalled = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a slow Temporal', () => {
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof stallableProxy>>;
  let connection: Connection;
  let api: RunningServer;
  let liveTails: LiveTails;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    proxy = await stallableProxy(h.services.temporalAddress);
    connection = await Connection.connect({ address: proxy.address });
    // The API's own pool, small, as a busy API's pool is.
    pool = createPool(h.databaseUrl, 4, 2_000);
    liveTails = new LiveTails(pool, h.databaseUrl, createLogger('test', 'silent'));
    api = await startServer(
      createApp({
        pool,
        temporal: new Client({ connection, namespace: 'default', dataConverter: testDataConverter() }),
        logger: createLogger('test', 'silent'),
        taskQueue: h.taskQueue,
        namespace: 'default',
        temporalUiUrl: 'http://127.0.0.1:8233',
        liveTails,
        workflowStartTimeoutMs: 2_000,
      }),
      0,
      '127.0.0.1',
    );
  });
  afterAll(async () => {
    await api?.stop();
    await liveTails?.stop();
    await proxy?.close();
    await connection?.close();
    await pool?.end();
    await h?.stop();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('when Temporal stops answering, then twelve starts each fail 503 within their deadline, the API keeps answering, the environment is not locked, and no row stays active', async () => {
    const env = await h.createEnvironment({ maxConcurrency: 20 });
    const jobs = await Promise.all(Array.from({ length: 12 }, (_, i) => h.createJob({ scriptPath: h.writeScript(`slow-${i}.js`, "console.log('x')") })));
    proxy.stall();

    const startedAt = Date.now();
    const starts = jobs.map((job) => call('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} }));

    // Meanwhile the API answers reads, and the environment row takes the slot lock at once.
    await new Promise((r) => setTimeout(r, 500));
    const readStarted = Date.now();
    const list = await call('GET', `/api/v1/executions?environmentId=${env.id}`);
    expect(list.status).toBe(200);
    expect(Date.now() - readStarted).toBeLessThan(1_500);
    const lock = await h.pool.connect();
    try {
      await lock.query('begin');
      await lock.query("set local lock_timeout = '1s'");
      await lock.query('select id from environments where id = $1 for no key update', [env.id]);
      await lock.query('rollback');
    } finally {
      lock.release();
    }

    const answers = await Promise.all(starts);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ code: 'UNAVAILABLE' });
    }
    const { rows } = await h.pool.query<{ status: string; error_code: string }>('select status, error_code from executions where environment_id = $1', [env.id]);
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.status === 'failed' && r.error_code === 'UNAVAILABLE')).toBe(true);
  }, 60_000);
});
