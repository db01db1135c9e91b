import { randomUUID } from 'node:crypto';

import { isFinished, startHarness, type Harness } from './support/harness';

describe('execution history: filters, keyset pages, rerun', () => {
  let h: Harness;
  let env: { id: string; name: string };
  let otherEnv: { id: string; name: string };
  let job: { id: string; name: string; sourceId: string };
  let otherJob: { id: string; name: string; sourceId: string };

  /** Rows straight into the table: the list is what is under test, not the runs. */
  async function seed(count: number, o: { jobId?: string; environmentId?: string; status?: string; startedBy?: string; createdAt?: (i: number) => string } = {}) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      ids.push(id);
      await h.pool.query(
        `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, created_at)
         values ($1::uuid, $2, $3, '{}', $4, 'execution-' || $1::text, $5, coalesce($6::timestamptz, clock_timestamp()))`,
        [id, o.jobId ?? job.id, o.environmentId ?? env.id, o.startedBy ?? 'seeder', o.status ?? 'succeeded', o.createdAt?.(i) ?? null],
      );
    }
    return ids;
  }

  async function page(query: string) {
    const res = await h.request('GET', `/api/v1/executions?${query}`);
    expect(res.status).toBe(200);
    return res.body as { items: { id: string; jobName: string; environmentName: string; createdAt: string }[]; nextCursor: string | null };
  }

  beforeAll(async () => {
    h = await startHarness();
    [env, otherEnv] = await Promise.all([h.createEnvironment(), h.createEnvironment()]);
    const script = h.writeScript('echo.sh', 'echo "tenant=$1"\n');
    job = (await h.createJob({ scriptPath: script, interpreter: 'bash', parameters: [{ name: 'tenant', type: 'string' }] }));
    otherJob = (await h.createJob({ scriptPath: script, interpreter: 'bash' }));
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when executions are created while a client pages through the history, then every execution that existed is returned exactly once, newest first', async () => {
    // Same millisecond, different microseconds, and exact ties: a cursor that kept only a JS Date would skip or repeat these.
    const existing = [
      ...(await seed(12, { createdAt: (i) => `2026-01-01T00:00:00.000${String(i + 1).padStart(3, '0')}Z` })),
      ...(await seed(12, { createdAt: () => '2026-01-02T00:00:00.123456Z' })),
      ...(await seed(16)),
    ];
    let creating = true;
    const arrivals = (async () => {
      while (creating) {
        await seed(1);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const seen: string[] = [];
    const createdAts: number[] = [];
    let cursor: string | null = null;
    try {
      do {
        const body = await page(`limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...body.items.map((i) => i.id));
        createdAts.push(...body.items.map((i) => Date.parse(i.createdAt)));
        cursor = body.nextCursor;
        await new Promise((r) => setTimeout(r, 20));
      } while (cursor);
    } finally {
      creating = false;
      await arrivals;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen.filter((s) => s === id)).toHaveLength(1);
    expect(createdAts).toEqual([...createdAts].sort((a, b) => b - a));
  });

  test('when the history is filtered, then only matching executions come back, with their job and environment names', async () => {
    const mine = await seed(3, { jobId: otherJob.id, environmentId: otherEnv.id, status: 'failed', startedBy: 'carol' });
    await seed(2, { jobId: otherJob.id, environmentId: otherEnv.id, status: 'succeeded', startedBy: 'carol' });
    const ids = async (q: string) => (await page(q)).items.map((i) => i.id).sort();

    expect(await ids(`status=failed&startedBy=carol`)).toEqual([...mine].sort());
    expect(await ids(`status=failed,cancelled&environmentId=${otherEnv.id}`)).toEqual([...mine].sort());
    expect((await ids(`jobId=${otherJob.id}`)).length).toBe(5);
    expect((await page(`sourceId=${otherJob.sourceId}&limit=200`)).items.every((i) => i.jobName === otherJob.name)).toBe(true);
    expect((await page(`environmentId=${otherEnv.id}`)).items[0]).toMatchObject({ jobName: otherJob.name, environmentName: otherEnv.name });
    expect(await ids(`startedBy=nobody`)).toEqual([]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await ids(`from=${future}`)).toEqual([]);
    expect((await ids(`to=2026-01-01T00:00:00.000007Z`)).length).toBe(6);
    expect((await ids(`from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:01Z&limit=200`)).length).toBe(12);
  });

  test('when the query is malformed, then it is 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['status=finished', 'status'],
      ['cursor=not*a*cursor', 'cursor'],
      [`cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor'],
      // Crafted: the right shape, but no real instant or id.
      [`cursor=${Buffer.from(JSON.stringify(['2026-13-45 25:61:00.000000+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['9999-99-99 99:99:99', 'ffffffff-ffff-ffff-ffff-ffffffffffff'])).toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', '------------------------------------'])).toString('base64url')}`, 'cursor'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['from=yesterday', 'from'],
      ['jobId=42', 'jobId'],
      ['colour=red', 'colour'],
    ]) {
      const res = await h.request('GET', `/api/v1/executions?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.some((e: { path: string }) => e.path.split('.')[0] === field)).toBe(true);
    }
  });

  test('when an execution holds its snapshots, then the list and the detail answer the same fields, exactly those the OpenAPI document names', async () => {
    const [id] = await seed(1, { status: 'failed' });
    await h.pool.query(
      `update executions set job_snapshot = '{"name": "snap", "scriptPath": "/opt/secret-path.sh"}', target_snapshot = '{"privateKeyPath": "/keys/id", "shellInit": ". ~/.env"}',
              workflow_started_at = now(), progress_done = 3, progress_total = 4, finished_at = now() where id = $1`,
      [id],
    );
    const documented = Object.keys((await h.request('GET', '/api/v1/openapi.json')).body.components.schemas.Execution.properties).sort();
    const detail = (await h.request('GET', `/api/v1/executions/${id}`)).body;
    const item = (await page(`environmentId=${env.id}&status=failed&limit=200`)).items.find((e) => e.id === id);
    expect(Object.keys(detail).sort()).toEqual(documented);
    expect(item).toEqual(detail);
    expect(JSON.stringify(item)).not.toMatch(/secret-path|id_|shellInit|Snapshot|workflowStartedAt/);
    expect(detail.progress).toEqual({ lines: 0, done: 3, total: 4, percent: 75 });
  });

  test('when an execution is rerun, then a new execution runs with the same job, environment and params, and the old one stays as it was', async () => {
    const first = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: { tenant: "o'brien; $(id)" } });
    expect(first.status).toBe(202);
    const old = await h.waitForExecution(first.body.id, isFinished, 60_000);
    expect(old.status).toBe('succeeded');

    const rerun = await h.request('POST', `/api/v1/executions/${old.id}/rerun`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.id).not.toBe(old.id);
    const done = await h.waitForExecution(rerun.body.id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', jobId: job.id, environmentId: env.id, params: { tenant: "o'brien; $(id)" }, rerunOf: old.id });
    const lines = await h.request('GET', `/api/v1/executions/${done.id}/logs`);
    expect(lines.body.lines.map((l: { text: string }) => l.text)).toEqual(["tenant=o'brien; $(id)"]);
    expect((await h.request('GET', `/api/v1/executions/${old.id}`)).body).toEqual({ ...old, queuePosition: null });

    expect((await h.request('POST', `/api/v1/executions/${randomUUID()}/rerun`)).status).toBe(404);
  });
});
