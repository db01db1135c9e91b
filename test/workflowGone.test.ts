import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ExecutionReconciler } from '../src/executions/reconciler';
import { createLogger } from '../src/logger';
import { isFinished, startHarness, type Harness } from './support/harness';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return false;
  }
}

describe('nothing stays active without a workflow', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ reconcileIntervalMs: 1000 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when a running execution’s workflow is terminated, then within seconds it ends failed LOST, its script is killed on the host, and the job runs again once', async () => {
    const env = await h.createEnvironment();
    const starts = path.join(h.scriptsDir, 'terminated.starts');
    const finishFast = path.join(h.scriptsDir, 'terminated.finish-fast');
    const pidFile = path.join(h.scriptsDir, 'terminated.pid');
    const script = h.writeScript(
      'terminated.js',
      [
        "const fs = require('fs');",
        `fs.appendFileSync(${JSON.stringify(starts)}, 'start\\n');`,
        `fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
        `if (fs.existsSync(${JSON.stringify(finishFast)})) { console.log('quick'); process.exit(0); }`,
        "setInterval(() => console.log('tick'), 200);",
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script });
    const first = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(first.status).toBe(202);
    await h.waitForExecution(first.body.id, (e) => e.lineCount >= 2);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);

    await h.temporal.workflow.getHandle(first.body.workflowId).terminate('an engineer pressed Terminate');

    const ended = await h.waitForExecution(first.body.id, isFinished, 30_000);
    expect(ended).toMatchObject({ status: 'failed', errorCode: 'LOST' });
    expect(ended.errorMessage).toContain('terminated');
    expect(ended.errorMessage).toContain('killed');
    expect(alive(pid)).toBe(false);

    writeFileSync(finishFast, '');
    const second = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(second.status).toBe(202);
    expect(await h.waitForExecution(second.body.id, isFinished, 30_000)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(starts, 'utf8')).toBe('start\nstart\n');
  }, 90_000);
});

describe('the reconciler and pending starts', () => {
  let h: Harness;

  beforeAll(async () => {
    // No background rounds: each test runs one itself.
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when a row’s workflow start is pending, then the reconciler leaves it alone; once it is older than the grace and no workflow exists, it ends LOST without running anything', async () => {
    const env = await h.createEnvironment();
    const marker = path.join(h.scriptsDir, 'never.ran');
    const job = await h.createJob({ scriptPath: h.writeScript('never.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`) });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, created_at)
       values ($1, $2, $3, '{}', 'tester', $4, now() - interval '10 seconds')`,
      [id, job.id, env.id, `execution-${id}`],
    );
    const reconcile = (startGraceMs: number) =>
      new ExecutionReconciler({ pool: h.pool, temporal: h.temporal, ssh: h.ssh, logger: createLogger('test', 'silent'), killGraceSeconds: 1, startGraceMs }).reconcileOnce();

    expect((await reconcile(60_000)).ended).not.toContain(id);
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.status).toBe('queued');

    expect((await reconcile(5_000)).ended).toContain(id);
    const ended = (await h.request('GET', `/api/v1/executions/${id}`)).body;
    expect(ended).toMatchObject({ status: 'failed', errorCode: 'LOST' });
    expect(ended.errorMessage).toContain('never started');
    expect(existsSync(marker)).toBe(false);
  });

  test('when a row’s start is pending but its workflow runs, then the reconciler records the start instead of ending it', async () => {
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: h.writeScript('pending-ok.js', "console.log('ok')") });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, created_at)
       values ($1, $2, $3, '{}', 'tester', $4, now() - interval '10 minutes')`,
      [id, job.id, env.id, `execution-${id}`],
    );
    // Held in its slot wait: the environment is full of another run.
    await h.pool.query('update environments set max_concurrency = 1 where id = $1', [env.id]);
    const blocker = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, workflow_started_at)
       values ($1, $2, $3, '{}', 'tester', $4, 'running', now())`,
      [blocker, (await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' })).id, env.id, `execution-${blocker}`],
    );
    await h.temporal.workflow.start('migrationExecution', { workflowId: `execution-${id}`, taskQueue: h.taskQueue, args: [{ executionId: id }] });

    const report = await new ExecutionReconciler({
      pool: h.pool,
      temporal: h.temporal,
      ssh: h.ssh,
      logger: createLogger('test', 'silent'),
      killGraceSeconds: 1,
      startGraceMs: 1000,
    }).reconcileOnce();
    expect(report.confirmedStarts).toContain(id);
    expect(report.ended).not.toContain(id);
    // The blocker has no workflow at all: it is the one that ends, and the queued one then runs.
    expect(report.ended).toContain(blocker);
    expect(await h.waitForExecution(id, isFinished, 30_000)).toMatchObject({ status: 'succeeded' });
  });
});
