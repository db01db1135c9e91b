import { randomUUID } from 'node:crypto';

import { startHarness, type Harness } from './support/harness';

describe('reading a log from its tail upwards', () => {
  let h: Harness;
  let id: string;
  const total = 2500;
  let seedOn: { jobId: string; environmentId: string };

  /** An execution row straight into the table; all but running ones ended now. */
  async function seedExecution(status: 'running' | 'succeeded' | 'rejected', lastSeq: number): Promise<string> {
    const seeded = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, finished_at, last_seq)
       values ($1, $2, $3, '{}', 'tester', $4, $5, case when $5 <> 'running' then now() end, $6)`,
      [seeded, seedOn.jobId, seedOn.environmentId, `execution-${seeded}`, status, lastSeq],
    );
    return seeded;
  }

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    seedOn = { jobId: job.id, environmentId: env.id };
    id = await seedExecution('succeeded', total);
    await h.pool.query(
      `insert into log_lines (execution_id, seq, stream, ts, text) select $1, n, case when n % 10 = 0 then 'stderr' else 'stdout' end, now(), 'line ' || n from generate_series(1, $2) n`,
      [id, total],
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const page = async (query: string) => (await h.request('GET', `/api/v1/executions/${id}/logs?${query}`)).body;
  const seqs = (body: { lines: { seq: number }[] }) => body.lines.map((l) => l.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  test('when the tail is asked for, then the last lines come in order, with where to read upwards from', async () => {
    const tail = await page('tail=100');
    expect(seqs(tail)).toEqual(range(total - 99, total));
    expect(tail).toMatchObject({ nextAfter: total, previousBefore: total - 99, complete: true, lineCount: total });
  });

  test('when a reader pages upwards with before, then every line comes once until the first, which says there is nothing earlier', async () => {
    const seen: number[] = [];
    let before: number | null = total + 1;
    while (before !== null) {
      const body = await page(`before=${before}&limit=700`);
      seen.unshift(...seqs(body));
      before = body.previousBefore;
    }
    expect(seen).toEqual(range(1, total));
  });

  test('when after, before and tail are mixed, then it is 400 naming the query parameter', async () => {
    const res = await h.request('GET', `/api/v1/executions/${id}/logs?after=5&tail=10`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('before');
  });

  test('when lines were stored with sub-millisecond times, then each ts reads as the Date pg makes of the row prints it', async () => {
    const other = await seedExecution('running', 6);
    const times = ['2026-03-01 12:34:56+00', '2026-03-01 12:34:56.000001+00', '2026-03-01 12:34:56.0005+00', '2026-03-01 12:34:56.999999+00', '2026-03-01 23:59:59.9994+05:30', '1999-12-31 23:59:59.123456-08'];
    await h.pool.query(
      `insert into log_lines (execution_id, seq, stream, ts, text) select $1, n, 'stdout', ($2::text[])[n]::timestamptz, 'line ' || n from generate_series(1, 6) n`,
      [other, times],
    );
    const stored = (await h.pool.query<{ ts: Date }>('select ts from log_lines where execution_id = $1 order by seq', [other])).rows.map((r) => r.ts.toISOString());
    const res = await h.request('GET', `/api/v1/executions/${other}/logs`);
    expect(res.body.lines.map((l: { ts: string }) => l.ts)).toEqual(stored);
    expect(res.body).toMatchObject({ nextAfter: 6, complete: false, lineCount: 6 });
    expect((await h.request('GET', `/api/v1/executions/${other}/logs?tail=2`)).body.lines.map((l: { ts: string }) => l.ts)).toEqual(stored.slice(4));
  });

  test('when an execution has no lines, then a page is empty, and an unknown execution is 404 even with a bad query', async () => {
    const empty = await seedExecution('rejected', 0);
    const none = (await h.request('GET', `/api/v1/executions/${empty}/logs?tail=10`)).body;
    expect(none).toEqual({ lines: [], nextAfter: 0, previousBefore: null, complete: true, lineCount: 0 });
    const unknown = await h.request('GET', `/api/v1/executions/${randomUUID()}/logs?after=-1`);
    expect(unknown.status).toBe(404);
    expect((await h.request('GET', `/api/v1/executions/not-an-id/logs`)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/executions/${empty}/logs?after=-1`)).status).toBe(400);
  });
});
