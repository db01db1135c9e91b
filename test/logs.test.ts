import { randomBytes } from 'node:crypto';

import { readSse, type SseEvent } from './support/rawSse';
import { createApp } from '../src/api/app';
import { startServer } from '../src/api/server';
import { createLogger } from '../src/logger';
import { LiveTails } from '../src/logs/liveTail';
import { isFinished, startHarness, type Harness } from './support/harness';

interface LogEvent {
  seq: number;
  stream: string;
  text: string;
  continued: boolean;
}

describe('live logs, downloads, progress and the Temporal UI', () => {
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness();
    environmentId = (await h.createEnvironment({ maxConcurrency: 5 })).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${h.adminToken}` });

  async function start(name: string, script: string, interpreter = 'node') {
    const path = h.writeScript(name, script);
    const job = await h.createJob({ scriptPath: path, interpreter });
    const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
    expect(res.status).toBe(202);
    return { id: res.body.id as string, job };
  }

  /** Prints `count` numbered lines in bursts, so a follower sees them arrive live. */
  const numberedLines = (count: number, perBurst: number) =>
    [
      'let i = 0;',
      'const t = setInterval(() => {',
      `  const lines = [];`,
      `  for (let k = 0; k < ${perBurst} && i < ${count}; k++) lines.push('line ' + ++i);`,
      "  process.stdout.write(lines.join('\\n') + '\\n');",
      `  if (i >= ${count}) clearInterval(t);`,
      '}, 50);',
    ].join('\n');

  test('when a client disconnects after line 5,000 and reconnects with Last-Event-ID, then it receives every later line exactly once, then end', async () => {
    const total = 20_000;
    const { id } = await start('twenty-thousand.js', numberedLines(total, 1000));
    const url = `${h.url}/api/v1/executions/${id}/logs/stream`;

    const first: LogEvent[] = [];
    const statuses: string[] = [];
    const firstRead = await readSse(url, auth(), (e) => {
      if (e.event === 'status') statuses.push(JSON.parse(e.data).status);
      if (e.event !== 'log') return;
      first.push(JSON.parse(e.data));
      return first.length < 5000;
    });
    expect(firstRead.status).toBe(200);
    expect(firstRead.contentType).toContain('text/event-stream');
    expect(first.map((l) => l.seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));

    const rest: LogEvent[] = [];
    let end: SseEvent | undefined;
    await readSse(url, { ...auth(), 'last-event-id': '5000' }, (e) => {
      if (e.event === 'status') statuses.push(JSON.parse(e.data).status);
      if (e.event === 'log') {
        const line = JSON.parse(e.data) as LogEvent;
        expect(e.id).toBe(String(line.seq));
        rest.push(line);
      }
      if (e.event === 'end') {
        end = e;
        return false;
      }
    });
    expect(rest.map((l) => l.seq)).toEqual(Array.from({ length: total - 5000 }, (_, i) => i + 5001));
    expect(rest.map((l) => l.text)).toEqual(Array.from({ length: total - 5000 }, (_, i) => `line ${i + 5001}`));
    expect(JSON.parse(end!.data)).toEqual({ status: 'succeeded', lastSeq: total });
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('succeeded');
  }, 120_000);

  test('when a hundred clients follow one run live, then each gets every line exactly once, in order, then end', async () => {
    const total = 3000;
    const { id } = await start('hundred-followers.js', `setTimeout(() => {\n${numberedLines(total, 150)}\n}, 1500);`);
    const followers = Array.from({ length: 100 }, async () => {
      const seqs: number[] = [];
      let ended = false;
      await readSse(`${h.url}/api/v1/executions/${id}/logs/stream`, auth(), (e) => {
        if (e.event === 'log') seqs.push(JSON.parse(e.data).seq);
        if (e.event === 'end') {
          ended = true;
          return false;
        }
      });
      return { seqs, ended };
    });
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const { seqs, ended } of await Promise.all(followers)) {
      expect(ended).toBe(true);
      expect(seqs).toEqual(expected);
    }
  }, 120_000);

  test('when followers are spread over two API replicas and both lose their LISTEN connection mid-run, then every follower still gets every line once, then end', async () => {
    const second = new LiveTails(h.pool, h.databaseUrl, createLogger('test', 'silent'));
    await second.start();
    const replica = await startServer(
      createApp({
        pool: h.pool,
        temporal: h.temporal,
        logger: createLogger('test', 'silent'),
        taskQueue: h.taskQueue,
        namespace: 'default',
        temporalUiUrl: 'http://127.0.0.1:8233',
        liveTails: second,
      }),
      0,
      '127.0.0.1',
    );
    try {
      const total = 6000;
      const { id } = await start('replicas.js', `setTimeout(() => {\n${numberedLines(total, 200)}\n}, 1000);`);
      const follow = (base: string) => {
        const seqs: number[] = [];
        return readSse(`${base}/api/v1/executions/${id}/logs/stream`, auth(), (e) => {
          if (e.event === 'log') seqs.push(JSON.parse(e.data).seq);
          return e.event !== 'end';
        }).then(() => seqs);
      };
      const followers = [follow(h.url), follow(h.url), follow(replica.url), follow(replica.url)];
      await h.waitForExecution(id, (e) => e.lineCount >= 1000, 60_000);
      // Every API process has one listener; kill them all at the database side.
      const killed = await h.pool.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'migrator-live-tails' and datname = current_database()`,
      );
      expect(killed.rowCount).toBe(2);
      const expected = Array.from({ length: total }, (_, i) => i + 1);
      for (const seqs of await Promise.all(followers)) expect(seqs).toEqual(expected);
    } finally {
      await replica.stop();
      await second.stop();
    }
  }, 120_000);

  test('when output has invalid UTF-8, CRLF endings, a 10 MiB line and no final newline, then each is stored correctly and logs.txt returns it all', async () => {
    const script = [
      "printf 'bad \\xff\\xfe end\\n'",
      "printf 'crlf line\\r\\n'",
      "printf 'tab\\there, back\\\\slash \\\\n, carriage\\rreturn\\n'",
      "printf 'to stderr\\n' >&2",
      'head -c 10485760 /dev/zero | tr "\\0" x',
      "printf '\\nunterminated'",
    ].join('\n');
    const { id } = await start('edge-cases.sh', script, 'bash');
    const done = await h.waitForExecution(id, isFinished, 90_000);
    expect(done.status).toBe('succeeded');

    const lines: LogEvent[] = [];
    for (let after = 0; ; ) {
      const page = await h.request('GET', `/api/v1/executions/${id}/logs?after=${after}&limit=5000`);
      lines.push(...page.body.lines);
      if (page.body.lines.length === 0) break;
      after = page.body.nextAfter;
    }
    const stdout = lines.filter((l) => l.stream === 'stdout');
    expect(stdout[0]!.text).toBe('bad \uFFFD\uFFFD end');
    expect(stdout[1]!.text).toBe('crlf line');
    expect(stdout[2]!.text).toBe('tab\there, back\\slash \\n, carriage\rreturn');
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['to stderr']);
    const pieces = stdout.slice(3, -1);
    expect(pieces.length).toBeGreaterThan(100);
    expect(pieces.slice(0, -1).every((p) => p.continued)).toBe(true);
    expect(pieces.at(-1)!.continued).toBe(false);
    expect(pieces.every((p) => Buffer.byteLength(p.text) <= 64 * 1024)).toBe(true);
    expect(pieces.map((p) => p.text).join('')).toBe('x'.repeat(10 * 1024 * 1024));
    expect(stdout.at(-1)).toMatchObject({ text: 'unterminated', continued: false });

    const text = await fetch(`${h.url}/api/v1/executions/${id}/logs.txt`, { headers: auth() });
    expect(text.headers.get('content-type')).toContain('text/plain');
    const body = await text.text();
    const expectedText = lines.map((l) => (l.continued ? l.text : `${l.text}\n`)).join('');
    expect(body.length).toBe(expectedText.length);
    expect(body === expectedText).toBe(true);
  }, 120_000);

  test('when a script prints ::progress lines, then the execution and the progress query show the percentage, and the lines are stored', async () => {
    const { id } = await start('progress.js', "console.log('::progress 1/4');\nconsole.log('::progress 3/4');\nconsole.log('done');");
    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done.progress).toEqual({ lines: 3, done: 3, total: 4, percent: 75 });
    const lines = await h.request('GET', `/api/v1/executions/${id}/logs`);
    expect(lines.body.lines.map((l: LogEvent) => l.text)).toEqual(['::progress 1/4', '::progress 3/4', 'done']);
    const query = await h.temporal.workflow.getHandle(`execution-${id}`).query('progress');
    expect(query).toMatchObject({ phase: 'done', status: 'succeeded', lines: 3, done: 3, total: 4, percent: 75 });
  });

  test('when a run is started through the API, then the Temporal visibility store finds it by each search attribute, and the API links to it', async () => {
    const { id, job } = await start(`findable-${randomBytes(3).toString('hex')}.js`, "console.log('hi');");
    const env = (await h.request('GET', `/api/v1/environments/${environmentId}`)).body;
    const source = (await h.request('GET', `/api/v1/sources/${job.sourceId}`)).body;
    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done.links.temporalUi).toContain(`/workflows/execution-${id}`);
    const queries = [
      `MigrationJob = "${job.name}"`,
      `MigrationSource = "${source.name}"`,
      `MigrationEnvironment = "${env.name}" AND WorkflowId = "execution-${id}"`,
      `MigrationStartedBy = "bootstrap-admin" AND WorkflowId = "execution-${id}"`,
      `MigrationProduction = false AND WorkflowId = "execution-${id}"`,
    ];
    for (const query of queries) {
      const deadline = Date.now() + 15_000;
      let found: string[] = [];
      while (Date.now() < deadline) {
        found = [];
        for await (const w of h.temporal.workflow.list({ query })) found.push(w.workflowId);
        if (found.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect({ query, found }).toEqual({ query, found: [`execution-${id}`] });
    }
    const described = await h.temporal.workflow.getHandle(`execution-${id}`).describe();
    expect(await described.staticSummary()).toBe(`${job.name} on ${env.name}`);
  });

  test('when logs.txt, the live log, JSON, a problem, the metrics or the health check are served, then each tells browsers not to sniff its type', async () => {
    const { id } = await start('nosniff.js', "console.log('<script>alert(1)</script>');");
    await h.waitForExecution(id, isFinished, 60_000);
    const urls = [
      [`/api/v1/executions/${id}/logs.txt`, auth()],
      [`/api/v1/executions/${id}/logs/stream`, auth()],
      [`/api/v1/executions/${id}`, auth()],
      ['/api/v1/executions/00000000-0000-4000-8000-000000000000', auth()],
      ['/api/v1/executions', {}],
      ['/no-such-page', {}],
      ['/metrics', {}],
      ['/healthz', {}],
    ] as const;
    for (const [url, headers] of urls) {
      const res = await fetch(`${h.url}${url}`, { headers });
      await res.text();
      expect({ url, status: res.status, nosniff: res.headers.get('x-content-type-options') }).toEqual({ url, status: res.status, nosniff: 'nosniff' });
    }
  });

  test('when the stream is asked for an unknown execution or a bad Last-Event-ID, then it is a problem, not a stream', async () => {
    const unknown = await readSse(`${h.url}/api/v1/executions/00000000-0000-4000-8000-000000000000/logs/stream`, auth(), () => false);
    expect(unknown.status).toBe(404);
    const { id } = await start('quick.js', "console.log('x');");
    const bad = await readSse(`${h.url}/api/v1/executions/${id}/logs/stream`, { ...auth(), 'last-event-id': 'abc' }, () => false);
    expect(bad.status).toBe(400);
    const anonymous = await readSse(`${h.url}/api/v1/executions/${id}/logs/stream`, {}, () => false);
    expect(anonymous.status).toBe(401);
    await h.waitForExecution(id, isFinished, 60_000);
  });
});
