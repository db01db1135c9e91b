import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isFinished, startHarness, type Harness } from './support/harness';
import { processAlive, runDirOf } from './support/hostProcesses';
import { runsOfWorkflow } from './support/workflowRuns';

/**
 * Long queues, approvals and runs on the real stack (PostgreSQL, the dev server, OpenSSH), in
 * seconds: segments of 1 s, polls every 0.5 s, and histories that continue as new past 20
 * events. Each execution must come out as if it had been one short run.
 */
describe('long executions continue as new and stay correct', () => {
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness({
      executionTuning: { runSegmentSeconds: 1, progressIntervalSeconds: 0.5, queueBackstopSeconds: 0.5, approvalPollSeconds: 0.5, continueAfterEvents: 20 },
    });
    environmentId = (await h.createEnvironment({ maxConcurrency: 5 })).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function start(jobId: string, env = environmentId, extra: Record<string, unknown> = {}, token?: string): Promise<string> {
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId: env, params: {}, ...extra }, { token });
    expect(res.status).toBe(202);
    return res.body.id;
  }

  const runsOf = (id: string) => runsOfWorkflow(h.temporal, `execution-${id}`);

  async function untilRuns(id: string, count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await runsOf(id)).length < count) {
      if (Date.now() > deadline) throw new Error(`execution ${id} did not continue as new ${count - 1} times`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Workflow ids the visibility store finds for `query`, once it has caught up (or the last answer after 15 s). */
  async function listed(query: string, until: (ids: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ids: string[] = [];
      for await (const w of h.temporal.workflow.list({ query })) ids.push(w.workflowId);
      if (until(ids) || Date.now() > deadline) return ids;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test('when a run outlasts many segments, then it continues as new, re-attaching each time: the script starts once and every line, one cut by a segment end included, is stored once in order', async () => {
    const starts = path.join(h.scriptsDir, 'segments.starts');
    const script = h.writeScript(
      'segments.js',
      [
        "const fs = require('fs');",
        `fs.appendFileSync(${JSON.stringify(starts)}, 'start\\n');`,
        'let i = 0;',
        'const t = setInterval(() => {',
        '  i += 1;',
        // Unterminated for 2.5 s, over two segments: one ends in the middle of this line.
        "  if (i === 100) return void process.stdout.write('half a line ');",
        '  if (i > 100 && i < 200) return;',
        "  if (i === 200) return void process.stdout.write('and its end\\n');",
        "  console.log('line ' + i);",
        '  if (i === 300) clearInterval(t);',
        '}, 25);',
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script });
    const id = await start(job.id);

    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(readFileSync(starts, 'utf8')).toBe('start\n');
    const expected = [
      ...Array.from({ length: 99 }, (_, i) => `line ${i + 1}`),
      'half a line and its end',
      ...Array.from({ length: 100 }, (_, i) => `line ${i + 201}`),
    ];
    const logs = await h.request('GET', `/api/v1/executions/${id}/logs?limit=5000`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual(expected);
    expect(logs.body.lines.map((l: { seq: number }) => l.seq)).toEqual(expected.map((_, i) => i + 1));
    expect(readdirSync(runDirOf(id)).sort()).toEqual(['exit', 'started']);

    const runs = await runsOf(id);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.slice(0, -1).every((r) => r.closedBy === 'continuedAsNew')).toBe(true);
    expect(runs.flatMap((r) => r.activities).filter((a) => a === 'runScript').length).toBeGreaterThanOrEqual(3);
    // What comes before the run happened in the first run only.
    expect(runs.flatMap((r) => r.activities).filter((a) => a === 'validateScript')).toHaveLength(1);
    expect(await listed(`MigrationStatus = "succeeded" AND WorkflowId = "execution-${id}"`, (ids) => ids.length > 0)).toEqual([`execution-${id}`]);
  });

  test('when a job’s timeout passes while it runs in segments, then it counts from the start, not from each segment, and the script is killed', async () => {
    const pidFile = path.join(h.scriptsDir, 'timeout.pid');
    const script = h.writeScript('timeout.sh', `echo $$ > ${pidFile}\nwhile true; do echo tick; sleep 0.2; done\n`);
    // Ten segments' worth: on a busy machine the steps before the run can take seconds of it.
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', timeoutSeconds: 10 });
    const id = await start(job.id);

    const done = await h.waitForExecution(id, isFinished, 40_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'TIMED_OUT' });
    const ranFor = Date.parse(done.finishedAt) - Date.parse(done.startedAt);
    expect(ranFor).toBeGreaterThanOrEqual(10_000);
    expect(ranFor).toBeLessThan(18_000);
    // Had each segment restarted the clock, no segment would ever have timed out.
    expect((await runsOf(id)).flatMap((r) => r.activities).filter((a) => a === 'runScript').length).toBeGreaterThanOrEqual(2);
    expect(processAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  test('when a run that continued as new is cancelled, then its process group is gone and it ends cancelled', async () => {
    const pidFile = path.join(h.scriptsDir, 'cancel.pid');
    const script = h.writeScript('cancel.sh', `echo $$ > ${pidFile}\nwhile true; do echo tick; sleep 0.2; done\n`);
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash' });
    const id = await start(job.id);
    await untilRuns(id, 3);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(pid)).toBe(true);

    expect((await h.request('POST', `/api/v1/executions/${id}/cancel`)).status).toBe(202);
    const done = await h.waitForExecution(id, isFinished, 15_000);
    expect(done).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
    expect(processAlive(pid)).toBe(false);
    expect(await listed(`MigrationStatus = "cancelled" AND MigrationErrorCode = "CANCELLED" AND WorkflowId = "execution-${id}"`, (ids) => ids.length > 0)).toEqual([
      `execution-${id}`,
    ]);
  });

  test('when executions wait in the queue across several runs, then the first keeps its place and runs once its slot frees, and one cancelled meanwhile runs nothing', async () => {
    const { id: env, name: envName } = await h.createEnvironment({ maxConcurrency: 1 });
    const release = path.join(h.scriptsDir, 'queue.release');
    const ran = path.join(h.scriptsDir, 'queue.ran');
    const blocker = await h.createJob({
      scriptPath: h.writeScript('blocker.js', `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) clearInterval(t); }, 100);`),
    });
    const waiter = await h.createJob({ scriptPath: h.writeScript('waiter.sh', `echo waiter >> ${ran}\n`), interpreter: 'bash' });
    const quitter = await h.createJob({ scriptPath: h.writeScript('quitter.sh', `echo quitter >> ${ran}\n`), interpreter: 'bash' });
    const first = await start(blocker.id, env);
    await h.waitForExecution(first, (e) => e.status === 'running');
    const second = await start(waiter.id, env);
    const third = await start(quitter.id, env);
    await untilRuns(second, 3);
    await untilRuns(third, 2);

    // Both show as queued in the Temporal UI; only their current runs are still running there.
    const queued = await listed(`MigrationStatus = "queued" AND ExecutionStatus = "Running" AND MigrationEnvironment = "${envName}"`, (ids) => ids.includes(`execution-${second}`) && ids.includes(`execution-${third}`));
    expect(queued).toEqual(expect.arrayContaining([`execution-${second}`, `execution-${third}`]));
    expect((await h.request('GET', `/api/v1/executions/${second}`)).body).toMatchObject({ status: 'queued', queuePosition: 0 });

    expect((await h.request('POST', `/api/v1/executions/${third}/cancel`)).status).toBe(202);
    expect(await h.waitForExecution(third, isFinished, 15_000)).toMatchObject({ status: 'cancelled' });

    writeFileSync(release, '');
    expect(await h.waitForExecution(first, isFinished, 15_000)).toMatchObject({ status: 'succeeded' });
    expect(await h.waitForExecution(second, isFinished, 15_000)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(ran, 'utf8')).toBe('waiter\n');
  });

  test('when a production execution awaits approval across several runs, then the approval given in a later run runs it once', async () => {
    const [alice, bob] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob')]);
    const env = await h.createEnvironment({ production: true });
    const ran = path.join(h.scriptsDir, 'approved.ran');
    const job = await h.createJob({ scriptPath: h.writeScript('approved.sh', `echo ran >> ${ran}\n`), interpreter: 'bash' });
    const id = await start(job.id, env.id, { confirmProduction: env.name }, alice.token);
    await untilRuns(id, 3);
    expect(await listed(`MigrationStatus = "awaiting_approval" AND ExecutionStatus = "Running" AND WorkflowId = "execution-${id}"`, (ids) => ids.length > 0)).toEqual([
      `execution-${id}`,
    ]);
    expect(existsSync(ran)).toBe(false);

    expect((await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: bob.token })).status).toBe(200);
    expect(await h.waitForExecution(id, isFinished, 15_000)).toMatchObject({ status: 'succeeded', approvedBy: 'bob' });
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
  });
});
