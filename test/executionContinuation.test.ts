import { searchAttributeKeys } from '../src/temporal/searchAttributes';
import { approvalDecidedSignal, progressQuery, slotFreedSignal } from '../src/workflows/messages';
import type { RunScriptResult, RunSegmentOptions } from '../src/workflows/types';
import type { StubExecution } from './support/stubSteps';
import { startStubbedWorkflows, type ExecutionHandle, type StubbedWorkflows } from './support/stubbedWorkflows';
import { runsOf } from './support/workflowRuns';
import { endOf } from './support/workflowEnds';

/**
 * Long waits and long runs continue as new (stubbed steps, a history limit of a few events):
 * each run hands its state to the next, and nothing that arrives around a hand-over (a cancel,
 * an approval, a freed slot) is lost.
 */
describe('migrationExecution continuing as new', () => {
  let w: StubbedWorkflows;

  beforeAll(async () => {
    w = await startStubbedWorkflows();
  });
  afterAll(async () => {
    await w?.stop();
  });

  const nudge = (e: StubExecution, signal: typeof slotFreedSignal | typeof approvalDecidedSignal) => w.client.workflow.getHandle(`execution-${e.id}`).signal(signal);
  const cancel = (e: StubExecution) => w.client.workflow.getHandle(`execution-${e.id}`).cancel();
  const runs = (handle: ExecutionHandle) => runsOf(w.client, handle.workflowId, handle.firstExecutionRunId);
  const continued = async (handle: ExecutionHandle) => (await handle.describe()).runId !== handle.firstExecutionRunId;
  const segment = (lines: number): RunScriptResult => ({ ended: false, progress: { lines, done: lines, total: 100 } });

  test('when an execution is woken in the queue past the history limit, then it continues as new, later wake-ups reach the new run, and it runs once', async () => {
    const e = w.steps.add({ slotFree: false, queuePosition: 1 });
    const handle = await w.start(e, { continueAfterEvents: 25 });
    for (let call = 1; !(await continued(handle)); call++) {
      if (call > 10) throw new Error('the queued execution never continued as new');
      await w.steps.waitForCalls(e.id, 'acquireSlot', call);
      await nudge(e, slotFreedSignal);
      await w.steps.waitForCalls(e.id, 'acquireSlot', call + 1);
    }
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'queued', status: 'queued', queuePosition: 1 });

    const freedAt = Date.now();
    e.slotFree = true;
    await nudge(e, slotFreedSignal);
    expect(await endOf(handle)).toBe('succeeded');
    expect(w.steps.callsOf(e.id, 'acquireSlot').at(-1)!.at - freedAt).toBeLessThan(3000);

    const history = await runs(handle);
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.slice(0, -1).every((r) => r.closedBy === 'continuedAsNew')).toBe(true);
    expect(history.at(-1)!.closedBy).toBe('completed');
    for (const name of ['prepareExecution', 'checkProductionSafety', 'validateScript', 'runScript', 'finalizeExecution'] as const) {
      expect(w.steps.callsOf(e.id, name)).toHaveLength(1);
    }
    // The last run is still found by what the API set at the start, and shows the outcome.
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(searchAttributeKeys.job)).toBe(e.plan.jobName);
    expect(typedSearchAttributes.get(searchAttributeKeys.status)).toBe('succeeded');
  });

  test('when an execution awaits approval past the history limit, then it continues as new, and an approval in a later run still runs it', async () => {
    const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
    const handle = await w.start(e, { approvalPollSeconds: 0.3, continueAfterEvents: 25 });
    const deadline = Date.now() + 15_000;
    while ((await runs(handle)).length < 3) {
      if (Date.now() > deadline) throw new Error('the awaiting execution did not continue as new twice');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await w.statusOf(handle)).toEqual({ status: 'awaiting_approval', errorCode: undefined });

    e.approval = { status: 'queued', errorCode: null, errorMessage: null };
    await nudge(e, approvalDecidedSignal);
    expect(await endOf(handle)).toBe('succeeded');
    expect(w.steps.callsOf(e.id, 'prepareExecution')).toHaveLength(1);
    expect(w.steps.callsOf(e.id, 'expireApproval')).toHaveLength(0);
    expect(w.steps.callsOf(e.id, 'runScript')).toHaveLength(1);
  });

  test('when the approval deadline passes in a later run, then it still fails APPROVAL_TIMEOUT, once', async () => {
    const deadline = Date.now() + 2500;
    const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: deadline } });
    const handle = await w.start(e, { approvalPollSeconds: 0.3, continueAfterEvents: 25 });

    expect(await endOf(handle)).toBe('APPROVAL_TIMEOUT');
    expect((await runs(handle)).length).toBeGreaterThanOrEqual(2);
    const expired = w.steps.callsOf(e.id, 'expireApproval');
    expect(expired).toHaveLength(1);
    expect(expired[0]!.at).toBeGreaterThanOrEqual(deadline - 50);
    expect(await w.statusOf(handle)).toEqual({ status: 'failed', errorCode: 'APPROVAL_TIMEOUT' });
  });

  test('when a run outlasts several segments and each history is full, then every segment re-attaches in a new run and the steps before the run happen once', async () => {
    const asked: RunSegmentOptions[] = [];
    const e = w.steps.add({
      run: async (call, options) => {
        asked.push(options);
        await new Promise((r) => setTimeout(r, 100));
        return call < 5 ? segment(call * 10) : { ended: true, exitCode: 0, lineCount: 50, progress: { lines: 50, done: 100, total: 100 } };
      },
    });
    const handle = await w.start(e, { continueAfterEvents: 1 });

    expect(await handle.result()).toEqual({ exitCode: 0, lineCount: 50 });
    expect(asked).toEqual(Array(5).fill({ segmentSeconds: 60, progressIntervalSeconds: 1 }));
    const history = await runs(handle);
    expect(history.map((r) => r.activities.filter((a) => a === 'runScript').length)).toEqual([1, 1, 1, 1, 1]);
    expect(history.map((r) => r.closedBy)).toEqual(['continuedAsNew', 'continuedAsNew', 'continuedAsNew', 'continuedAsNew', 'completed']);
    expect(w.steps.namesOf(e.id)).toEqual([
      'prepareExecution',
      'acquireSlot',
      'checkProductionSafety',
      'validateScript',
      ...Array(5).fill('runScript'),
      'finalizeExecution',
    ]);
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'done', status: 'succeeded', lines: 50, percent: 100 });
  });

  test('when a run outlasts several segments but the history is short, then the segments follow each other in one run', async () => {
    const e = w.steps.add({ run: async (call) => (call < 3 ? segment(call) : { ended: true, exitCode: 0, lineCount: 3, progress: { lines: 3, done: null, total: null } }) });
    const handle = await w.start(e);

    expect(await handle.result()).toEqual({ exitCode: 0, lineCount: 3 });
    expect((await runs(handle)).map((r) => r.activities.filter((a) => a === 'runScript').length)).toEqual([3]);
  });

  test('when a cancel arrives as a run segment ends, then the run is stopped and the execution cancelled, not continued', async () => {
    const e: StubExecution = w.steps.add({
      run: async (call) => {
        if (call === 1) await cancel(e);
        return segment(call);
      },
    });
    const handle = await w.start(e, { continueAfterEvents: 1 });

    expect(await endOf(handle)).toBe('CANCELLED');
    expect(w.steps.callsOf(e.id, 'runScript')).toHaveLength(1);
    expect(w.steps.namesOf(e.id).slice(-2)).toEqual(['stopRun', 'finalizeExecution']);
    expect(e.outcome).toMatchObject({ status: 'cancelled' });
    expect((await runs(handle)).map((r) => r.closedBy)).toEqual(['cancelled']);
  });

  test('when a cancel arrives as a queue wait hands over, then the execution is cancelled, not continued', async () => {
    const e = w.steps.add({ slotFree: false });
    e.beforeAcquireSlotAnswers = async (call) => {
      if (call === 2) await cancel(e);
    };
    const handle = await w.start(e, { queueBackstopSeconds: 0.3, continueAfterEvents: 1 });

    expect(await endOf(handle)).toBe('CANCELLED');
    expect(e.outcome).toMatchObject({ status: 'cancelled' });
    expect(w.steps.callsOf(e.id, 'acquireSlot')).toHaveLength(2);
  });

  test('when a slot frees just as a queue wait hands over, then the next run asks first and gets it without waiting for the backstop', async () => {
    const e = w.steps.add({ slotFree: false });
    e.beforeAcquireSlotAnswers = async (call) => {
      // The first wake-up comes to nothing; the second frees the slot while this run is answered no.
      if (call === 2) e.slotFree = true;
      await nudge(e, slotFreedSignal);
    };
    const startedAt = Date.now();
    const handle = await w.start(e, { continueAfterEvents: 1 });

    expect(await endOf(handle)).toBe('succeeded');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect((await runs(handle)).length).toBe(2);
    expect(w.steps.callsOf(e.id, 'acquireSlot')).toHaveLength(3);
  });

  test('when an approval is recorded just as an approval wait hands over, then the next run reads it first and runs', async () => {
    const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
    e.beforeReadApprovalAnswers = async (call) => {
      if (call === 2) e.approval = { status: 'queued', errorCode: null, errorMessage: null };
      if (call <= 2) await nudge(e, approvalDecidedSignal);
    };
    const startedAt = Date.now();
    const handle = await w.start(e, { continueAfterEvents: 1 });

    expect(await endOf(handle)).toBe('succeeded');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect((await runs(handle)).length).toBe(2);
    expect(w.steps.callsOf(e.id, 'readApproval')).toHaveLength(3);
  });
});
