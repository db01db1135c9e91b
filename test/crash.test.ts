import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Client as PgClient } from 'pg';

import { startLoopbackSshd, type LoopbackSshd } from '../scripts/lib/loopbackSshd';
import { stopChild } from '../scripts/lib/processes';
import { countingLines, expectExactlyOnce, linesBeforeRelease, runScriptAttempt, startCountingRun } from './support/countingRun';
import { isFinished, startHarness, type Harness } from './support/harness';
import { runDirOf } from './support/hostProcesses';

/** A worker as its own OS process, so the test can SIGKILL it like a crash would. */
function startWorkerProcess(h: Harness, sshKeyDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', 'src', 'worker', 'main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      KILL_GRACE_SECONDS: '2',
      SSH_KEY_DIR: sshKeyDir,
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
}

describe('crashes mid-run: the script keeps running, is re-attached, never started twice', () => {
  let h: Harness;
  let sshd: LoopbackSshd;
  let environmentId: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    // Its own sshd, so dropping its connections disturbs no other test file; plain login files,
    // as the shared one (root's pyenv init made each of its many logins take 1.5 s here).
    sshd = await startLoopbackSshd({ userLoginFiles: false });
    environmentId = (
      await h.createEnvironment({
        host: sshd.host,
        port: sshd.port,
        username: sshd.username,
        privateKeyPath: sshd.privateKeyPath,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
      })
    ).id;
  });
  afterEach(async () => {
    // A worker left from an earlier test would poll the same task queue and spoil the next fault.
    await Promise.all(workers.splice(0).map((w) => stopChild(w)));
  });
  afterAll(async () => {
    await sshd?.stop();
    await h?.stop();
  });

  test('when the worker is SIGKILLed mid-run and a new one starts, then the execution succeeds, the script started once and every line is stored once in order', async () => {
    const first = startWorkerProcess(h, sshd.dir);
    workers.push(first);
    const { id, starts, release } = await startCountingRun(h, environmentId, 'sigkill');
    await h.waitForExecution(id, (e) => e.lineCount >= linesBeforeRelease, 60_000);

    await stopChild(first, 'SIGKILL');
    // The script goes on printing while no worker follows it.
    release();
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.lineCount).toBeLessThan(countingLines);

    workers.push(startWorkerProcess(h, sshd.dir));
    await expectExactlyOnce(h, id, starts);
    expect(await runScriptAttempt(h, id)).toBeGreaterThan(1);
  }, 120_000);

  test('when the SSH connections are dropped mid-run (sshd session processes killed), then the run is re-attached and stored exactly once', async () => {
    workers.push(startWorkerProcess(h, sshd.dir));
    const { id, starts, release } = await startCountingRun(h, environmentId, 'sshdrop');
    await h.waitForExecution(id, (e) => e.lineCount >= linesBeforeRelease, 60_000);

    // The listener's children are the per-connection sshd processes: killing them drops the TCP connections.
    execFileSync('pkill', ['-KILL', '-P', String(sshd.pid)]);
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.lineCount).toBeLessThan(countingLines);
    release();
    await expectExactlyOnce(h, id, starts);
    expect(await runScriptAttempt(h, id)).toBeGreaterThan(1);
  }, 120_000);

  test('when the worker dies after the run ended on the host but before its exit status was recorded, then the next attempt records it: succeeded, started once, every line once', async () => {
    const first = startWorkerProcess(h, sshd.dir);
    workers.push(first);
    const starts = path.join(h.scriptsDir, 'finishgap.starts');
    const releaseFile = path.join(h.scriptsDir, 'finishgap.release');
    // Prints every line at once, then exits only when released.
    const script = h.writeScript(
      'finishgap.js',
      [
        "const fs = require('fs');",
        `fs.appendFileSync(${JSON.stringify(starts)}, 'start\\n');`,
        `for (let i = 1; i <= ${countingLines}; i++) console.log('line ' + i);`,
        `const t = setInterval(() => fs.existsSync(${JSON.stringify(releaseFile)}) && clearInterval(t), 20);`,
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script });
    const id = (await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} })).body.id as string;
    await h.waitForExecution(id, (e) => e.lineCount >= countingLines, 60_000);

    // Every line is stored; the execution row locked, the worker's write of the exit status waits.
    const lock = new PgClient({ connectionString: h.databaseUrl });
    await lock.connect();
    await lock.query('begin');
    await lock.query('select 1 from executions where id = $1 for update', [id]);
    try {
      writeFileSync(releaseFile, '');
      // finishRun has read the status and removed `pid` (only `started` and `exit` stay).
      const runDir = runDirOf(id);
      const deadline = Date.now() + 30_000;
      while (!(existsSync(path.join(runDir, 'exit')) && !existsSync(path.join(runDir, 'pid')))) {
        if (Date.now() > deadline) throw new Error('the worker never finished the run on the host');
        await new Promise((r) => setTimeout(r, 50));
      }
      // ...and its `update` of the exit status is waiting for the lock.
      const lockPid = (await lock.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const blocked = async (): Promise<number[]> =>
        (await h.pool.query<{ pid: number }>('select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [lockPid])).rows.map((r) => r.pid);
      while ((await blocked()).length === 0) {
        if (Date.now() > deadline) throw new Error('the worker never tried to record the exit status');
        await new Promise((r) => setTimeout(r, 50));
      }
      await stopChild(first, 'SIGKILL');
      // A backend waiting on a lock does not notice its client died: end it, as a crashed host's TCP reset would.
      for (const pid of await blocked()) await h.pool.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await lock.query('rollback');
      await lock.end();
    }
    expect((await h.pool.query('select exit_code from executions where id = $1', [id])).rows[0].exit_code).toBeNull();

    workers.push(startWorkerProcess(h, sshd.dir));
    await expectExactlyOnce(h, id, starts);
    expect(await runScriptAttempt(h, id)).toBeGreaterThan(1);
  }, 150_000);

  test('when the cancel arrives while the worker is down, then the whole process tree is killed once a worker is back', async () => {
    const first = startWorkerProcess(h, sshd.dir);
    workers.push(first);
    const pidFile = path.join(h.scriptsDir, 'orphan.pids');
    const script = h.writeScript('orphan.sh', `(trap '' TERM; exec sleep 600) & echo "$$ $!" > ${pidFile}\necho started\nsleep 600\n`);
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', timeoutSeconds: 900 });
    const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
    await h.waitForExecution(res.body.id, (e) => e.lineCount >= 1, 60_000);
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);

    await stopChild(first, 'SIGKILL');
    expect((await h.request('POST', `/api/v1/executions/${res.body.id}/cancel`)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2000));
    // No worker: nothing can have killed it yet.
    expect(pids.every((pid) => existsSync(`/proc/${pid}`))).toBe(true);

    workers.push(startWorkerProcess(h, sshd.dir));
    const done = await h.waitForExecution(res.body.id, isFinished, 90_000);
    expect(done).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'))).toEqual([]);
  }, 150_000);
});

