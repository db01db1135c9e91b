import { randomUUID } from 'node:crypto';

import { Context } from '@temporalio/activity';

import type { Activities } from '../../src/activities';
import type { ApprovalState, ExecutionOutcome, ExecutionPlan, RunScriptResult, RunSegmentOptions } from '../../src/workflows/types';

/** The steps `migrationExecution` calls; the stubs answer each by execution id. */
type StepName =
  | 'prepareExecution'
  | 'readApproval'
  | 'expireApproval'
  | 'acquireSlot'
  | 'checkProductionSafety'
  | 'validateScript'
  | 'runScript'
  | 'stopRun'
  | 'finalizeExecution';

export interface StepCall {
  name: StepName;
  executionId: string;
  /** Date.now() when the step started. */
  at: number;
  attempt: number;
}

/**
 * What a stubbed execution's database row and host say, and what each test scripts into them.
 * Hooks run inside the activity, before it answers: a test can record a decision there, send a
 * signal or cancel, and so land it exactly while a step is in flight.
 */
export interface StubExecution {
  id: string;
  plan: ExecutionPlan;
  /** What `readApproval` answers (the row's status and code). */
  approval: ApprovalState;
  slotFree: boolean;
  queuePosition: number;
  beforeReadApprovalAnswers?: (call: number) => Promise<void>;
  beforeAcquireSlotAnswers?: (call: number) => Promise<void>;
  validate?: () => Promise<void>;
  /** The run on the host; by default it exits 0 after one line. */
  run?: (call: number, options: RunSegmentOptions) => Promise<RunScriptResult>;
  stopRun?: (attempt: number) => Promise<void>;
  /** What `finalizeExecution` recorded. */
  outcome?: ExecutionOutcome;
}

/** Scripted stand-ins for the activities of `migrationExecution`, with a journal of every call. */
export class StubSteps {
  readonly calls: StepCall[] = [];
  private readonly executions = new Map<string, StubExecution>();

  add(overrides: Omit<Partial<StubExecution>, 'plan'> & { plan?: Partial<ExecutionPlan> } = {}): StubExecution {
    const id = overrides.id ?? randomUUID();
    const { plan, ...rest } = overrides;
    const execution: StubExecution = {
      id,
      approval: { status: plan?.needsApproval ? 'awaiting_approval' : 'queued', errorCode: null, errorMessage: null },
      slotFree: true,
      queuePosition: 0,
      ...rest,
      plan: {
        executionId: id,
        jobName: 'stub-job',
        environmentName: 'stub-env',
        production: false,
        scriptPath: '/opt/stub.sh',
        interpreter: 'bash',
        argumentCount: 0,
        timeoutSeconds: 600,
        startedBy: 'alice',
        needsApproval: false,
        approvalDeadline: null,
        alreadyEnded: false,
        ...plan,
      },
    };
    this.executions.set(id, execution);
    return execution;
  }

  callsOf(id: string, name?: StepName): StepCall[] {
    return this.calls.filter((c) => c.executionId === id && (!name || c.name === name));
  }

  namesOf(id: string): StepName[] {
    return this.callsOf(id).map((c) => c.name);
  }

  /** Resolves once `id` has made `count` calls of `name`. */
  async waitForCalls(id: string, name: StepName, count = 1, timeoutMs = 15_000): Promise<StepCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsOf(id, name).length < count) {
      if (Date.now() > deadline) throw new Error(`${id} made ${this.callsOf(id, name).length} ${name} calls, not ${count}: ${this.namesOf(id).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.callsOf(id, name);
  }

  activities(): Activities {
    const record = (name: StepName, executionId: string): { execution: StubExecution; call: number } => {
      const execution = this.executions.get(executionId);
      if (!execution) throw new Error(`No stubbed execution ${executionId}.`);
      this.calls.push({ name, executionId, at: Date.now(), attempt: Context.current().info.attempt });
      return { execution, call: this.callsOf(executionId, name).length };
    };
    const stubs = {
      async prepareExecution(executionId: string): Promise<ExecutionPlan> {
        return record('prepareExecution', executionId).execution.plan;
      },
      async readApproval(executionId: string): Promise<ApprovalState> {
        const { execution, call } = record('readApproval', executionId);
        const answer = { ...execution.approval };
        await execution.beforeReadApprovalAnswers?.(call);
        return answer;
      },
      async expireApproval(executionId: string): Promise<ApprovalState> {
        const { execution } = record('expireApproval', executionId);
        if (execution.approval.status === 'awaiting_approval') {
          execution.approval = { status: 'failed', errorCode: 'APPROVAL_TIMEOUT', errorMessage: 'Nobody approved it in time.' };
        }
        return { ...execution.approval };
      },
      async acquireSlot(executionId: string): Promise<{ acquired: boolean; position: number }> {
        const { execution, call } = record('acquireSlot', executionId);
        const answer = { acquired: execution.slotFree, position: execution.slotFree ? 0 : execution.queuePosition };
        await execution.beforeAcquireSlotAnswers?.(call);
        return answer;
      },
      async checkProductionSafety(executionId: string): Promise<void> {
        record('checkProductionSafety', executionId);
      },
      async validateScript(executionId: string): Promise<void> {
        await record('validateScript', executionId).execution.validate?.();
      },
      async runScript(executionId: string, options: RunSegmentOptions = {}): Promise<RunScriptResult> {
        const { execution, call } = record('runScript', executionId);
        if (execution.run) return execution.run(call, options);
        return { ended: true, exitCode: 0, lineCount: 1, progress: { lines: 1, done: null, total: null } };
      },
      async stopRun(executionId: string): Promise<{ killed: boolean }> {
        const { execution } = record('stopRun', executionId);
        await execution.stopRun?.(Context.current().info.attempt);
        return { killed: true };
      },
      async finalizeExecution(outcome: ExecutionOutcome): Promise<void> {
        record('finalizeExecution', outcome.executionId).execution.outcome = outcome;
      },
    };
    // The worker needs only the steps this workflow calls; the retention activities stay out.
    return stubs as unknown as Activities;
  }
}

/** An activity body that heartbeats until the workflow cancels it, then rethrows the cancellation, as runScript does. */
export async function heartbeatUntilCancelled(): Promise<never> {
  const activity = Context.current();
  for (;;) {
    activity.heartbeat();
    await activity.sleep(100);
  }
}
