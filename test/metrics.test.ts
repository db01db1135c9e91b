import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { freePort } from '../scripts/lib/loopbackSshd';
import { stopChild } from '../scripts/lib/processes';
import { readSse } from './support/rawSse';
import { startOwnApi, type OwnApi } from './support/ownApi';
import { isFinished, startHarness, type Harness } from './support/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statuses = ['queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'];
/** How long this file's API may serve the counts of finished executions from its cache. */
const finishedCountsSeconds = 2;

describe('Prometheus metrics', () => {
  let h: Harness;
  let api: OwnApi;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    h = await startHarness();
    api = await startOwnApi(h, { executionCountsMaxAgeSeconds: finishedCountsSeconds });
  });
  afterAll(async () => {
    if (worker) await stopChild(worker);
    await api?.stop();
    await h?.stop();
  });

  const scrape = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { id: string } }));

  test('when the API is scraped, then requests are counted by route pattern (never by id), executions by status, and live-log clients as they come and go', async () => {
    const script = h.writeScript('slow.js', "console.log('a'); setTimeout(() => console.log('b'), 1500);");
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: script });
    const started = await call('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    await call('GET', `/api/v1/executions/00000000-0000-4000-8000-000000000000`);

    // Scraped at the first line and the stream left at the second (1.5 s later), so the scrape sees the client.
    let scraping: Promise<string> | undefined;
    await readSse(`${api.url}/api/v1/executions/${started.body.id}/logs/stream`, { authorization: `Bearer ${h.adminToken}` }, (e) => {
      if (e.event !== 'log') return;
      if (scraping) return false;
      scraping = scrape(`${api.url}/metrics`).then((m) => m.text);
    });
    const during = await scraping;
    await h.waitForExecution(started.body.id, isFinished, 60_000);
    // The counts of finished executions may be as old as the refresh window.
    await sleep(finishedCountsSeconds * 1000 + 200);

    const after = await scrape(`${api.url}/metrics`);
    expect(after.status).toBe(200);
    expect(after.type).toContain('text/plain');
    expect(after.text).toMatch(/migrator_http_requests_total\{method="GET",route="\/api\/v1\/executions\/:id",status="404"\} 1/);
    expect(after.text).toMatch(/migrator_http_requests_total\{method="POST",route="\/api\/v1\/executions",status="202"\} 1/);
    expect(after.text).toMatch(/migrator_executions\{status="succeeded"\} 1/);
    expect(after.text).not.toContain(started.body.id);
    expect(during).toMatch(/migrator_sse_clients 1/);
    expect(after.text).toMatch(/migrator_sse_clients 0/);
  });

  test('when /metrics is scraped again within the refresh window, then active executions are counted exactly and finished ones are not recounted; after the window every figure matches the table', async () => {
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    const table = async () => {
      const { rows } = await h.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from executions group by status');
      return Object.fromEntries(statuses.map((s) => [s, rows.find((r) => r.status === s)?.n ?? 0]));
    };
    const gauge = async () => {
      const { text } = await scrape(`${api.url}/metrics`);
      const found = new Map([...text.matchAll(/^migrator_executions\{status="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
      return Object.fromEntries(statuses.map((s) => [s, found.get(s) ?? 0]));
    };
    const insert = (status: string) =>
      h.pool.query(
        `insert into executions (job_id, environment_id, params, status, started_by, workflow_id, finished_at)
         values ($1, $2, '{}', $3, 'metrics-test', 'metrics-test-' || gen_random_uuid(), case when $3 in ('queued', 'running') then null else now() end)`,
        [job.id, env.id, status],
      );

    await sleep(finishedCountsSeconds * 1000 + 200);
    const before = await gauge();
    expect(before).toEqual(await table());

    await Promise.all([insert('succeeded'), insert('succeeded'), insert('failed'), insert('queued')]);
    const within = await gauge();
    const now = await table();
    expect(now.succeeded).toBe(before.succeeded! + 2);
    expect(within).toEqual({ ...before, queued: now.queued, awaiting_approval: now.awaiting_approval, running: now.running });

    await sleep(finishedCountsSeconds * 1000 + 200);
    expect(await gauge()).toEqual(await table());
  });

  test('when a worker runs with WORKER_METRICS_ADDRESS, then it serves Temporal worker metrics there', async () => {
    const port = await freePort();
    worker = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', 'src', 'worker', 'main.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: h.databaseUrl,
        TEMPORAL_ADDRESS: h.services.temporalAddress,
        TEMPORAL_TASK_QUEUE: `metrics-${port}`,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    let text = '';
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      text = await scrape(`http://127.0.0.1:${port}/metrics`).then((m) => m.text, () => '');
      if (/temporal_.*task_queue="metrics-/.test(text)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(text).toMatch(/temporal_\w+\{[^}]*task_queue="metrics-\d+"/);
  });
});
