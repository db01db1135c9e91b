import { stopChild } from '../scripts/lib/processes';
import { type CountingRun, expectExactlyOnce, linesBeforeRelease, runScriptAttempt, startCountingRun } from './support/countingRun';
import { isFinished, startHarness, type Harness } from './support/harness';
import { startMigratorProcess, type MigratorProcess } from './support/migratorProcesses';

const executions = 8;
/** Fewer activity slots than executions on each worker: neither can hold them all, so both must take some. */
const slotsPerWorker = 5;

/**
 * Two worker processes on one task queue, as a scaled-out deployment runs them. The scripts hold
 * after their first lines until released, so the SIGKILL lands mid-run however loaded the machine.
 */
describe('two workers share the executions; one dies mid-run and the other takes its runs over', () => {
  let h: Harness;
  const workers: MigratorProcess[] = [];

  beforeAll(async () => {
    // The default heartbeat timeout (10 s): a much shorter one gives up on live attempts when the machine is loaded.
    h = await startHarness({ worker: false, executionTuning: { retryMaxIntervalSeconds: 1 } });
    const env = {
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      SSH_KEY_DIR: h.services.ssh.dir,
      WORKER_MAX_CONCURRENT_ACTIVITIES: String(slotsPerWorker),
      KILL_GRACE_SECONDS: '2',
      LOG_LEVEL: 'info',
    };
    workers.push(startMigratorProcess('worker', env), startMigratorProcess('worker', env));
    await Promise.all(workers.map((w) => w.waitForOutput('worker started', 120_000)));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.stop();
  });

  test('when one of two workers is SIGKILLed mid-run, then every execution succeeds, each script started once and every line is stored once in order', async () => {
    const env = await h.createEnvironment({ maxConcurrency: executions });
    const runs: CountingRun[] = [];
    for (let i = 1; i <= executions; i++) runs.push(await startCountingRun(h, env.id, `shared-${i}`));
    await Promise.all(runs.map((run) => h.waitForExecution(run.id, (e) => e.lineCount >= linesBeforeRelease, 120_000)));

    // Every script is held mid-run: each workflow's runScript names the worker running it.
    const pids = workers.map((w) => w.child.pid);
    const owner = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    while (owner.size < executions && Date.now() < deadline) {
      for (const run of runs) {
        const { raw } = await h.temporal.workflow.getHandle(`execution-${run.id}`).describe();
        const identity = raw.pendingActivities?.find((a) => a.activityType?.name === 'runScript')?.lastWorkerIdentity ?? '';
        // Between two attempts (a heartbeat missed on a loaded machine) no worker holds it: ask again.
        if (pids.includes(Number(identity.split('@')[0]))) owner.set(run.id, Number(identity.split('@')[0]));
      }
    }
    const [first, second] = workers.map((w) => [...owner.values()].filter((pid) => pid === w.child.pid).length);
    expect(first! + second!).toBe(executions);
    expect(first).toBeGreaterThanOrEqual(executions - slotsPerWorker);
    expect(second).toBeGreaterThanOrEqual(executions - slotsPerWorker);

    const [victim, survivor] = workers as [MigratorProcess, MigratorProcess];
    await stopChild(victim.child, 'SIGKILL');
    for (const run of runs) run.release();

    const ended = await Promise.all(runs.map((run) => h.waitForExecution(run.id, isFinished, 120_000)));
    // Named in the failure: which step failed, and why.
    expect(ended.map((e) => `${e.status} ${e.errorCode ?? ''} ${e.errorMessage ?? ''}`.trim())).toEqual(runs.map(() => 'succeeded'));
    await Promise.all(runs.map((run) => expectExactlyOnce(h, run.id, run.starts)));
    for (const run of runs) {
      const attempt = await runScriptAttempt(h, run.id);
      // The victim's runs were re-attached by a later attempt on the survivor.
      if (owner.get(run.id) === victim.child.pid) expect(attempt).toBeGreaterThan(1);
    }
    survivor.expectRunning();
  }, 240_000);
});
