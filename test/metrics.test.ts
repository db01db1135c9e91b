import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { freePort } from '../scripts/lib/loopbackSshd';
import { stopChild } from '../scripts/lib/processes';
import { readSse } from '../scripts/lib/sseClient';
import { isFinished, startHarness, type Harness } from './support/harness';

describe('Prometheus metrics', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    if (worker) await stopChild(worker);
    await h?.stop();
  });

  const scrape = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  test('when the API is scraped, then requests are counted by route pattern (never by id), executions by status, and live-log clients as they come and go', async () => {
    const script = h.writeScript('slow.js', "console.log('a'); setTimeout(() => console.log('b'), 1500);");
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: script });
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    await h.request('GET', `/api/v1/executions/00000000-0000-4000-8000-000000000000`);

    let during = '';
    await readSse(`${h.url}/api/v1/executions/${started.body.id}/logs/stream`, { authorization: `Bearer ${h.adminToken}` }, (e) => {
      if (e.event !== 'log') return;
      void scrape(`${h.url}/metrics`).then((m) => (during ||= m.text));
      return false;
    });
    await h.waitForExecution(started.body.id, isFinished, 60_000);
    await new Promise((r) => setTimeout(r, 200));

    const after = await scrape(`${h.url}/metrics`);
    expect(after.status).toBe(200);
    expect(after.type).toContain('text/plain');
    expect(after.text).toMatch(/migrator_http_requests_total\{method="GET",route="\/api\/v1\/executions\/:id",status="404"\} 1/);
    expect(after.text).toMatch(/migrator_http_requests_total\{method="POST",route="\/api\/v1\/executions",status="202"\} 1/);
    expect(after.text).toMatch(/migrator_executions\{status="succeeded"\} 1/);
    expect(after.text).not.toContain(started.body.id);
    expect(during).toMatch(/migrator_sse_clients 1/);
    expect(after.text).toMatch(/migrator_sse_clients 0/);
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
