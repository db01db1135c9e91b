import { tuningDefaults } from '../src/workflows/types';
import { isFinished, startHarness, type Harness } from './support/harness';
import { runsOfWorkflow } from './support/workflowRuns';

/** Every interval a hundredth of its default: 36 s here are an hour of a real execution, event for event. */
const scale = 100;
const scaledHourMs = 3_600_000 / scale;

/**
 * How fast an execution's history grows while it is queued, awaits approval or runs: each wait
 * costs events whatever its length, so the figures of an hour at a hundredth of the default
 * intervals are those of an hour at the defaults (the steps themselves take milliseconds).
 * Prints the figures the README quotes; run it with `npx jest test/historyBudget.test.ts`.
 */
describe('history growth at the default intervals', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      executionTuning: {
        queueBackstopSeconds: tuningDefaults.queueBackstopSeconds / scale,
        approvalPollSeconds: tuningDefaults.approvalPollSeconds / scale,
        progressIntervalSeconds: tuningDefaults.progressIntervalSeconds / scale,
        runSegmentSeconds: tuningDefaults.runSegmentSeconds / scale,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const eventsOf = async (id: string) => (await runsOfWorkflow(h.temporal, `execution-${id}`)).reduce((sum, run) => sum + run.events, 0);

  /** Events the execution's history gained in one scaled hour, starting now. */
  async function eventsInAnHour(id: string): Promise<number> {
    const before = await eventsOf(id);
    await new Promise((r) => setTimeout(r, scaledHourMs));
    return (await eventsOf(id)) - before;
  }

  test('when executions are queued, await approval and run for an hour at the default intervals, then each history grows by at most 150 events', async () => {
    const [alice, bob] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob')]);
    const env = await h.createEnvironment({ maxConcurrency: 1 });
    const production = await h.createEnvironment({ production: true });
    // A line every 100 ms for longer than the hour: a progress report is due at every interval.
    const printer = await h.createJob({ scriptPath: h.writeScript('printer.sh', 'for i in $(seq 1 900); do echo "line $i"; sleep 0.1; done\n'), interpreter: 'bash' });
    const idle = await h.createJob({ scriptPath: h.writeScript('idle.sh', 'echo never\n'), interpreter: 'bash' });
    const start = async (jobId: string, environmentId: string, extra: Record<string, unknown> = {}) => {
      const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId, params: {}, ...extra }, { token: alice.token });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };

    const running = await start(printer.id, env.id);
    await h.waitForExecution(running, (e) => e.lineCount >= 1);
    const queued = await start(idle.id, env.id);
    const awaiting = await start(idle.id, production.id, { confirmProduction: production.name });
    await Promise.all([
      h.waitForExecution(queued, (e) => e.queuePosition === 0),
      h.waitForExecution(awaiting, (e) => e.status === 'awaiting_approval'),
    ]);

    const [whileRunning, whileQueued, whileAwaiting] = await Promise.all([eventsInAnHour(running), eventsInAnHour(queued), eventsInAnHour(awaiting)]);
    console.log(
      `History events per hour at the default intervals: queued ${whileQueued}, awaiting approval ${whileAwaiting}, running ${whileRunning} ` +
        `(a day: ${whileQueued * 24}, ${whileAwaiting * 24}, ${whileRunning * 24}).`,
    );
    // A poll every 5 minutes (12 an hour) costs about 11 events; a progress report every 2 minutes (30 an hour) 4.
    for (const events of [whileQueued, whileAwaiting, whileRunning]) expect(events).toBeLessThanOrEqual(150);

    await h.request('POST', `/api/v1/executions/${awaiting}/reject`, {}, { token: bob.token });
    for (const id of [queued, running]) await h.request('POST', `/api/v1/executions/${id}/cancel`);
    await Promise.all([queued, running, awaiting].map((id) => h.waitForExecution(id, isFinished, 30_000)));
  }, 120_000);
});
