import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { startLoopbackSshd, type LoopbackSshd } from '../scripts/lib/loopbackSshd';
import { stopChild } from '../scripts/lib/processes';
import { isFinished, startHarness, type Harness } from './support/harness';

const lineCount = 150;

/** A worker as its own OS process, so the test can SIGKILL it like a crash would. */
function startWorkerProcess(h: Harness): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', 'src', 'worker', 'main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      KILL_GRACE_SECONDS: '2',
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
    // Its own sshd, so dropping its connections disturbs no other test file.
    sshd = await startLoopbackSshd();
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
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await sshd?.stop();
    await h?.stop();
  });

  /** A script that counts its starts on the host and prints numbered lines for a few seconds. */
  async function startCountingRun(name: string): Promise<{ id: string; starts: string }> {
    const starts = path.join(h.scriptsDir, `${name}.starts`);
    const script = h.writeScript(
      `${name}.js`,
      [
        `require('fs').appendFileSync(${JSON.stringify(starts)}, 'start\\n');`,
        'let i = 0;',
        `const t = setInterval(() => { i += 1; console.log('line ' + i); if (i === ${lineCount}) clearInterval(t); }, 40);`,
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script });
    const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
    expect(res.status).toBe(202);
    return { id: res.body.id, starts };
  }

  /** The attempt number of the runScript attempt that completed: above 1 means the fault forced a retry. */
  async function runScriptAttempt(id: string): Promise<number> {
    const history = await h.temporal.workflow.getHandle(`execution-${id}`).fetchHistory();
    const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runScript');
    const started = history.events?.find(
      (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
    );
    return started?.activityTaskStartedEventAttributes?.attempt ?? 0;
  }

  async function expectExactlyOnce(id: string, starts: string): Promise<void> {
    const done = await h.waitForExecution(id, isFinished, 90_000);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(readFileSync(starts, 'utf8')).toBe('start\n');
    const logs = await h.request('GET', `/api/v1/executions/${id}/logs?limit=5000`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual(Array.from({ length: lineCount }, (_, i) => `line ${i + 1}`));
    expect(logs.body.lines.map((l: { seq: number }) => l.seq)).toEqual(Array.from({ length: lineCount }, (_, i) => i + 1));
  }

  test('when the worker is SIGKILLed mid-run and a new one starts, then the execution succeeds, the script started once and every line is stored once in order', async () => {
    const first = startWorkerProcess(h);
    workers.push(first);
    const { id, starts } = await startCountingRun('sigkill');
    await h.waitForExecution(id, (e) => e.lineCount >= 20, 60_000);

    await stopChild(first, 'SIGKILL');
    const stored = (await h.request('GET', `/api/v1/executions/${id}`)).body.lineCount;
    expect(stored).toBeLessThan(lineCount);

    workers.push(startWorkerProcess(h));
    await expectExactlyOnce(id, starts);
    expect(await runScriptAttempt(id)).toBeGreaterThan(1);
  }, 120_000);

  test('when the SSH connections are dropped mid-run (sshd session processes killed), then the run is re-attached and stored exactly once', async () => {
    workers.push(startWorkerProcess(h));
    const { id, starts } = await startCountingRun('sshdrop');
    await h.waitForExecution(id, (e) => e.lineCount >= 20, 60_000);

    // The listener's children are the per-connection sshd processes: killing them drops the TCP connections.
    execFileSync('pkill', ['-KILL', '-P', String(sshd.pid)]);
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.lineCount).toBeLessThan(lineCount);
    await expectExactlyOnce(id, starts);
    expect(await runScriptAttempt(id)).toBeGreaterThan(1);
  }, 120_000);

  test('when the cancel arrives while the worker is down, then the whole process tree is killed once a worker is back', async () => {
    const first = startWorkerProcess(h);
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

    workers.push(startWorkerProcess(h));
    const done = await h.waitForExecution(res.body.id, isFinished, 90_000);
    expect(done).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'))).toEqual([]);
  }, 150_000);
});

