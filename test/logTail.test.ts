import { randomUUID } from 'node:crypto';

import { startHarness, type Harness } from './support/harness';

describe('reading a log from its tail upwards', () => {
  let h: Harness;
  let id: string;
  const total = 2500;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, finished_at, last_seq)
       values ($1, $2, $3, '{}', 'tester', $4, 'succeeded', now(), $5)`,
      [id, job.id, env.id, `execution-${id}`, total],
    );
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
});
