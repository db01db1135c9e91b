import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { approvalDecidedSignal, progressQuery, slotFreedSignal } from '../src/workflows/messages';
import { heartbeatUntilCancelled } from './support/stubSteps';
import { startStubbedWorkflows, type StubbedWorkflows } from './support/stubbedWorkflows';
import { endOf } from './support/workflowEnds';

/**
 * The workflow's own logic, on the shared dev server, with its activities stubbed: approvals,
 * the queue, cancel in each phase, faults and timeouts. Every interval is a workflow input; what
 * a test does not wait for is a minute away (testTuning), so waiting for it fails the test.
 */
describe('migrationExecution with stubbed steps', () => {
  let w: StubbedWorkflows;

  beforeAll(async () => {
    w = await startStubbedWorkflows();
  });
  afterAll(async () => {
    await w?.stop();
  });

  const nudge = (id: string, signal: typeof slotFreedSignal | typeof approvalDecidedSignal) => w.client.workflow.getHandle(`execution-${id}`).signal(signal);

  describe('approval', () => {
    test('when nobody decides before the deadline, then expireApproval runs at the deadline, not before, and it fails APPROVAL_TIMEOUT without a slot', async () => {
      const deadline = Date.now() + 2000;
      const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: deadline } });
      const handle = await w.start(e);

      expect(await endOf(handle)).toBe('APPROVAL_TIMEOUT');
      const [expired] = w.steps.callsOf(e.id, 'expireApproval');
      expect(expired!.at).toBeGreaterThanOrEqual(deadline - 50);
      expect(expired!.at).toBeLessThan(deadline + 5000);
      expect(w.steps.namesOf(e.id)).toEqual(['prepareExecution', 'readApproval', 'readApproval', 'expireApproval']);
      // The deadline recorded the outcome in the row; nothing else is recorded.
      expect(e.outcome).toBeUndefined();
      expect(await w.statusOf(handle)).toEqual({ status: 'failed', errorCode: 'APPROVAL_TIMEOUT' });
    });

    test('when another person rejects, then the nudge ends the wait at once and it ends rejected, taking no slot', async () => {
      const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
      const handle = await w.start(e);
      expect(await w.statusOf(handle)).toEqual({ status: 'awaiting_approval', errorCode: undefined });
      await w.steps.waitForCalls(e.id, 'readApproval');

      const decidedAt = Date.now();
      e.approval = { status: 'rejected', errorCode: 'APPROVAL_REJECTED', errorMessage: 'Rejected by bob: wrong tenant.' };
      await nudge(e.id, approvalDecidedSignal);

      expect(await endOf(handle)).toBe('APPROVAL_REJECTED');
      expect(Date.now() - decidedAt).toBeLessThan(5000);
      expect(w.steps.namesOf(e.id)).toEqual(['prepareExecution', 'readApproval', 'readApproval']);
      expect(e.outcome).toBeUndefined();
      expect(await w.statusOf(handle)).toEqual({ status: 'rejected', errorCode: 'APPROVAL_REJECTED' });
    });

    test('when the approval is recorded and announced while the workflow is reading the row, then the nudge is not slept through and it runs', async () => {
      const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
      // The row is read (still awaiting), then the API records the approval and nudges, and only then does the read answer.
      e.beforeReadApprovalAnswers = async (call) => {
        if (call !== 1) return;
        e.approval = { status: 'queued', errorCode: null, errorMessage: null };
        await nudge(e.id, approvalDecidedSignal);
      };
      const startedAt = Date.now();
      const handle = await w.start(e);

      expect(await endOf(handle)).toBe('succeeded');
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(w.steps.namesOf(e.id).slice(0, 4)).toEqual(['prepareExecution', 'readApproval', 'readApproval', 'acquireSlot']);
    });

    test('when the approval is in the row before the workflow first reads it, then it joins the queue without waiting', async () => {
      const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
      e.approval = { status: 'queued', errorCode: null, errorMessage: null };
      const handle = await w.start(e);

      expect(await endOf(handle)).toBe('succeeded');
      expect(w.steps.namesOf(e.id)).toEqual([
        'prepareExecution',
        'readApproval',
        'acquireSlot',
        'checkProductionSafety',
        'validateScript',
        'runScript',
        'finalizeExecution',
      ]);
    });
  });

  describe('queue', () => {
    test('when a slot frees and slotFreed arrives, then the queued execution asks again at once, not at the backstop, and its status follows', async () => {
      const e = w.steps.add({ slotFree: false, queuePosition: 2 });
      const statuses: unknown[] = [];
      e.validate = async () => {
        statuses.push((await w.statusOf(handle)).status);
      };
      const handle = await w.start(e);
      await w.steps.waitForCalls(e.id, 'acquireSlot');
      expect(await handle.query(progressQuery)).toMatchObject({ phase: 'queued', status: 'queued', queuePosition: 2 });

      const freedAt = Date.now();
      e.slotFree = true;
      await nudge(e.id, slotFreedSignal);

      expect(await endOf(handle)).toBe('succeeded');
      const [, second] = w.steps.callsOf(e.id, 'acquireSlot');
      expect(second!.at - freedAt).toBeLessThan(3000);
      expect(statuses).toEqual(['running']);
      expect(await w.statusOf(handle)).toEqual({ status: 'succeeded', errorCode: undefined });
    });

    test('when the slotFreed signal is lost, then the backstop still gets the slot', async () => {
      const e = w.steps.add({ slotFree: false });
      const handle = await w.start(e, { queueBackstopSeconds: 1.5 });
      const [first] = await w.steps.waitForCalls(e.id, 'acquireSlot');
      e.slotFree = true;

      expect(await endOf(handle)).toBe('succeeded');
      const [, second] = w.steps.callsOf(e.id, 'acquireSlot');
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1400);
      expect(second!.at - first!.at).toBeLessThan(5000);
      expect(w.steps.callsOf(e.id, 'acquireSlot')).toHaveLength(2);
    });

    test('when slotFreed arrives while acquireSlot is still answering no, then the wake-up is not missed', async () => {
      const e = w.steps.add({ slotFree: false });
      e.beforeAcquireSlotAnswers = async (call) => {
        if (call !== 1) return;
        e.slotFree = true;
        await nudge(e.id, slotFreedSignal);
      };
      const startedAt = Date.now();
      const handle = await w.start(e);

      expect(await endOf(handle)).toBe('succeeded');
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(w.steps.callsOf(e.id, 'acquireSlot')).toHaveLength(2);
    });
  });

  describe('cancel', () => {
    test('when cancelled while awaiting approval, then it ends cancelled, records it, and stops nothing', async () => {
      const e = w.steps.add({ plan: { needsApproval: true, production: true, approvalDeadline: Date.now() + 60_000 } });
      const handle = await w.start(e);
      await w.steps.waitForCalls(e.id, 'readApproval');
      await handle.cancel();

      expect(await endOf(handle)).toBe('CANCELLED');
      expect(e.outcome).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
      expect(w.steps.namesOf(e.id)).toEqual(['prepareExecution', 'readApproval', 'finalizeExecution']);
      expect(await w.statusOf(handle)).toEqual({ status: 'cancelled', errorCode: 'CANCELLED' });
    });

    test('when cancelled while queued, then it ends cancelled, records it, and stops nothing', async () => {
      const e = w.steps.add({ slotFree: false });
      const handle = await w.start(e);
      await w.steps.waitForCalls(e.id, 'acquireSlot');
      await handle.cancel();

      expect(await endOf(handle)).toBe('CANCELLED');
      expect(e.outcome).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
      expect(w.steps.namesOf(e.id)).toEqual(['prepareExecution', 'acquireSlot', 'finalizeExecution']);
    });

    test('when cancelled while validating, then it ends cancelled without running or stopping anything', async () => {
      const e = w.steps.add({ validate: heartbeatUntilCancelled });
      const handle = await w.start(e);
      await w.steps.waitForCalls(e.id, 'validateScript');
      await handle.cancel();

      expect(await endOf(handle)).toBe('CANCELLED');
      expect(e.outcome).toMatchObject({ status: 'cancelled' });
      expect(w.steps.namesOf(e.id)).not.toContain('runScript');
      expect(w.steps.namesOf(e.id)).not.toContain('stopRun');
    });

    test('when cancelled while running, then stopRun confirms the group gone before the outcome is recorded cancelled', async () => {
      const e = w.steps.add({ run: heartbeatUntilCancelled });
      const handle = await w.start(e);
      await w.steps.waitForCalls(e.id, 'runScript');
      await handle.cancel();

      expect(await endOf(handle)).toBe('CANCELLED');
      expect(w.steps.namesOf(e.id).slice(-3)).toEqual(['runScript', 'stopRun', 'finalizeExecution']);
      expect(e.outcome).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
      expect(await w.statusOf(handle)).toEqual({ status: 'cancelled', errorCode: 'CANCELLED' });
    });

    test('when cancelled while running and the host cannot be reached at first, then stopRun retries past the step budget and the outcome waits for it', async () => {
      const e = w.steps.add({ run: heartbeatUntilCancelled });
      e.stopRun = async (attempt) => {
        if (attempt < 4) throw ApplicationFailure.create({ type: 'SSH_UNREACHABLE', message: 'host down' });
      };
      const handle = await w.start(e, { retryMaxAttempts: 2 });
      await w.steps.waitForCalls(e.id, 'runScript');
      await handle.cancel();

      expect(await endOf(handle)).toBe('CANCELLED');
      const stops = w.steps.callsOf(e.id, 'stopRun');
      expect(stops.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
      const [finalized] = w.steps.callsOf(e.id, 'finalizeExecution');
      expect(finalized!.at).toBeGreaterThanOrEqual(stops.at(-1)!.at);
      expect(e.outcome).toMatchObject({ status: 'cancelled' });
    });
  });

  describe('faults and timeouts in the run phase', () => {
    test('when runScript fails on every attempt, then stopRun stops the run within the budget and the execution fails with the code', async () => {
      const e = w.steps.add({
        run: async () => {
          throw ApplicationFailure.create({ type: 'SSH_UNREACHABLE', message: 'The SSH connection dropped.' });
        },
      });
      const handle = await w.start(e, { retryMaxAttempts: 2 });

      expect(await endOf(handle)).toBe('SSH_UNREACHABLE');
      // runScript gets twice the step budget.
      expect(w.steps.callsOf(e.id, 'runScript')).toHaveLength(4);
      expect(w.steps.namesOf(e.id).slice(-2)).toEqual(['stopRun', 'finalizeExecution']);
      expect(e.outcome).toMatchObject({ status: 'failed', errorCode: 'SSH_UNREACHABLE', stopPending: false });
      expect(await w.statusOf(handle)).toEqual({ status: 'failed', errorCode: 'SSH_UNREACHABLE' });
    });

    test('when the run fails and stopRun fails too, then it ends within the budget with stopPending set and says so', async () => {
      const e = w.steps.add({
        run: async () => {
          throw ApplicationFailure.create({ type: 'SSH_UNREACHABLE', message: 'The SSH connection dropped.', nonRetryable: true });
        },
        stopRun: async () => {
          throw ApplicationFailure.create({ type: 'SSH_UNREACHABLE', message: 'host down' });
        },
      });
      const startedAt = Date.now();
      const handle = await w.start(e, { retryMaxAttempts: 2 });

      expect(await endOf(handle)).toBe('SSH_UNREACHABLE');
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(w.steps.callsOf(e.id, 'stopRun')).toHaveLength(2);
      expect(e.outcome).toMatchObject({ status: 'failed', errorCode: 'SSH_UNREACHABLE', stopPending: true });
      expect(e.outcome?.errorMessage).toContain('could not be confirmed stopped');
    });

    test('when the job runs past its timeout, then the run is stopped and the execution fails TIMED_OUT', async () => {
      const e = w.steps.add({
        run: async () => {
          throw ApplicationFailure.create({ type: 'TIMED_OUT', message: 'The script ran longer than 600 s and was killed.', nonRetryable: true });
        },
      });
      const handle = await w.start(e);

      expect(await endOf(handle)).toBe('TIMED_OUT');
      expect(w.steps.callsOf(e.id, 'runScript')).toHaveLength(1);
      expect(w.steps.namesOf(e.id).slice(-2)).toEqual(['stopRun', 'finalizeExecution']);
      expect(e.outcome).toMatchObject({ status: 'failed', errorCode: 'TIMED_OUT' });
    });

    test('when a step never reaches a worker (started in Temporal, never heard from), then it is tried again after deliveryTimeoutSeconds, not its two-minute start-to-close timeout', async () => {
      const e = w.steps.add({
        // The first attempt acts as a task Temporal recorded as started but never delivered: no
        // heartbeat, no answer. The sleep ends early only when the worker shuts down.
        validate: async () => {
          if (Context.current().info.attempt === 1) await Context.current().sleep(60_000);
        },
      });
      const startedAt = Date.now();
      const handle = await w.start(e, { deliveryTimeoutSeconds: 2 });

      expect(await endOf(handle)).toBe('succeeded');
      const attempts = w.steps.callsOf(e.id, 'validateScript');
      expect(attempts.map((c) => c.attempt)).toEqual([1, 2]);
      // Two seconds without a heartbeat, then the retry's one-second backoff; nowhere near two minutes.
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(2000);
      expect(attempts[1]!.at - attempts[0]!.at).toBeLessThan(10_000);
      expect(Date.now() - startedAt).toBeLessThan(20_000);
      expect(w.steps.namesOf(e.id)).toEqual(['prepareExecution', 'acquireSlot', 'checkProductionSafety', 'validateScript', 'validateScript', 'runScript', 'finalizeExecution']);
    });

    test('when runScript stops heartbeating (its worker is gone), then each attempt times out, the run is stopped and it fails LOST', async () => {
      const e = w.steps.add({
        // Never heartbeats; the sleep ends early only when the worker shuts down.
        run: async () => {
          await Context.current().sleep(30_000);
          throw new Error('unreachable: the attempt timed out long before');
        },
      });
      const startedAt = Date.now();
      const handle = await w.start(e, { retryMaxAttempts: 1, heartbeatTimeoutSeconds: 1 });

      expect(await endOf(handle)).toBe('LOST');
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(w.steps.callsOf(e.id, 'runScript')).toHaveLength(2);
      expect(w.steps.namesOf(e.id).slice(-2)).toEqual(['stopRun', 'finalizeExecution']);
      expect(e.outcome).toMatchObject({ status: 'failed', errorCode: 'LOST' });
    });
  });
});
