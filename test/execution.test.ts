import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { randomUUID } from 'node:crypto';

import { isFinished, startHarness, type Harness } from './support/harness';
import { processAlive, runDirOf } from './support/hostProcesses';

const fiveParams = [
  { name: 'sistema', type: 'string' },
  { name: 'usuario', type: 'string' },
  { name: 'practitionerId', type: 'integer' },
  { name: 'medproPractId', type: 'string' },
  { name: 'patientId', type: 'string', required: false },
];

describe('migrationExecution end to end (PostgreSQL, Temporal dev server, OpenSSH)', () => {
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness();
    environmentId = (await h.createEnvironment()).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function start(jobId: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId, params, ...extra });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  test('when a job with 5 positional params runs, then the script gets exactly those params in order and every line is stored in order', async () => {
    const script = h.writeScript(
      'params.js',
      [
        'console.log(JSON.stringify(process.argv.slice(2)));',
        'console.log("cwd=" + process.cwd());',
        'for (let i = 1; i <= 50; i++) console.log("line " + i);',
        'console.error("a warning on stderr");',
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script, parameters: fiveParams });
    const params = { sistema: 'iclinic', usuario: "o'brien $(id) `id`", practitionerId: 4711, medproPractId: 'mp-9', patientId: 'p 1' };
    const id = await start(job.id, params);

    const done = await h.waitForExecution(id, isFinished);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0, errorCode: null });

    const logs = await h.request('GET', `/api/v1/executions/${id}/logs?limit=5000`);
    expect(logs.status).toBe(200);
    expect(logs.body.complete).toBe(true);
    const lines = logs.body.lines as Array<{ seq: number; stream: string; text: string }>;
    // Each stream keeps its order exactly; how the two interleave depends on when they were read.
    const stdout = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(JSON.parse(stdout[0]!)).toEqual(['iclinic', "o'brien $(id) `id`", '4711', 'mp-9', 'p 1']);
    expect(stdout[1]).toBe(`cwd=${h.scriptsDir}`);
    expect(stdout.slice(2)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 1}`));
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['a warning on stderr']);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 53 }, (_, i) => i + 1));
    // Output removed once stored; the start guard stays so the script can never start twice.
    expect(readdirSync(runDirOf(id)).sort()).toEqual(['exit', 'started']);
  });

  test('when the script exits 3, then the execution fails with SCRIPT_FAILED and exit code 3', async () => {
    const script = h.writeScript('exit3.js', 'console.log("about to fail"); process.exit(3);');
    const job = await h.createJob({ scriptPath: script });
    const id = await start(job.id);

    const done = await h.waitForExecution(id, isFinished);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SCRIPT_FAILED', exitCode: 3 });
    const logs = await h.request('GET', `/api/v1/executions/${id}/logs`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual(['about to fail']);
  });

  test('when the script does not exist, then the execution fails with SCRIPT_NOT_FOUND and nothing ran on the host', async () => {
    const job = await h.createJob({ scriptPath: path.join(h.scriptsDir, 'missing.js') });
    const id = await start(job.id);

    const done = await h.waitForExecution(id, isFinished);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SCRIPT_NOT_FOUND', exitCode: null });
    expect(done.errorMessage).toContain('missing.js');
    expect(existsSync(runDirOf(id))).toBe(false);
  });

  test('when a production environment gets no or a wrong confirmProduction, then the API refuses it and records nothing', async () => {
    const prod = await h.createEnvironment({ production: true });
    const job = await h.createJob({ scriptPath: h.writeScript('prod.js', 'console.log("ran")') });
    const before = await h.pool.query('select count(*)::int as n from executions');

    for (const confirmProduction of [undefined, 'PROD', `${prod.name} `]) {
      const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: prod.id, params: {}, confirmProduction });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('PRODUCTION_CONFIRMATION_REQUIRED');
      expect(res.body.detail).toContain(prod.name);
    }
    const after = await h.pool.query('select count(*)::int as n from executions');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  test('when an execution on production reaches the workflow without the confirmation, then it fails PRODUCTION_CONFIRMATION_REQUIRED before anything runs', async () => {
    // The environment became production after the execution was accepted: the workflow's own guard holds.
    const env = await h.createEnvironment();
    const marker = path.join(h.scriptsDir, 'prod-ran');
    const job = await h.createJob({ scriptPath: h.writeScript('prod2.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`) });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id) values ($1, $2, $3, '{}', 'test', $4)`,
      [id, job.id, env.id, `execution-${id}`],
    );
    await h.pool.query('update environments set production = true where id = $1', [env.id]);
    await h.temporal.workflow.start('migrationExecution', { workflowId: `execution-${id}`, taskQueue: h.taskQueue, args: [{ executionId: id }] });

    const done = await h.waitForExecution(id, isFinished);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'PRODUCTION_CONFIRMATION_REQUIRED' });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(runDirOf(id))).toBe(false);
  });

  test('when a running 10-minute script is cancelled, then it ends cancelled within 15 s and its whole process tree is gone from the host', async () => {
    const pidFile = path.join(h.scriptsDir, 'pids');
    const script = h.writeScript(
      'long.sh',
      [
        // A child that ignores TERM, so only the KILL step can end it.
        `(trap '' TERM; exec sleep 600) & child=$!`,
        `echo "$$ $child" > ${pidFile}`,
        'echo started',
        'sleep 600',
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', timeoutSeconds: 900 });
    const id = await start(job.id);
    await h.waitForExecution(id, (e) => e.lineCount >= 1);
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    expect(pids.every(processAlive)).toBe(true);

    const cancelledAt = Date.now();
    const res = await h.request('POST', `/api/v1/executions/${id}/cancel`);
    expect(res.status).toBe(202);
    const done = await h.waitForExecution(id, isFinished, 15_000);
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
    expect(done).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
    expect(pids.filter(processAlive)).toEqual([]);

    const again = await h.request('POST', `/api/v1/executions/${id}/cancel`);
    expect(again.status).toBe(409);
  });

  test('when an execution ran, then its workflow history shows the five activities by name', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('history.js', 'console.log("hi")') });
    const id = await start(job.id);
    await h.waitForExecution(id, isFinished);

    const history = await h.temporal.workflow.getHandle(`execution-${id}`).fetchHistory();
    const five = ['prepareExecution', 'checkProductionSafety', 'validateScript', 'runScript', 'finalizeExecution'];
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => Boolean(name));
    // In this order; the slot wait (acquireSlot) sits between the first two.
    expect(scheduled.filter((name) => five.includes(name))).toEqual(five);
    expect(scheduled).toEqual(['prepareExecution', 'acquireSlot', ...five.slice(1)]);
  });

  test('when the workflow starts before the execution row is committed, then prepareExecution retries instead of failing, and the run succeeds', async () => {
    const script = h.writeScript('late-row.js', "console.log('ran');");
    const job = await h.createJob({ scriptPath: script });
    const id = randomUUID();
    const handle = await h.temporal.workflow.start('migrationExecution', {
      workflowId: `execution-${id}`,
      taskQueue: h.taskQueue,
      args: [{ executionId: id }],
    });
    // Longer than the first retry interval: the row appears only after a failed attempt.
    await new Promise((r) => setTimeout(r, 1500));
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id) values ($1, $2, $3, '{}', 'tester', $4)`,
      [id, job.id, environmentId, `execution-${id}`],
    );
    expect(await handle.result()).toMatchObject({ exitCode: 0, lineCount: 1 });
    expect(await h.waitForExecution(id, isFinished)).toMatchObject({ status: 'succeeded' });
  });
});
