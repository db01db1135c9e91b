import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  setCurrentDetails,
  isCancellation,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { ApprovalDecision, ExecutionInput, ExecutionTuning, ExecutionOutcome, Phase, Progress, RunProgress, RunResult } from './types';

export const progressQuery = defineQuery<Progress>('progress');
/** Sent by `finalizeExecution` of another execution when a slot on the environment may be free. */
export const slotFreedSignal = defineSignal('slotFreed');
/**
 * A second operator approves a production execution. An update rather than a signal: a refused
 * approval (the starter's own, or too late) fails at the caller at once and leaves no trace.
 */
/** Sent by `runScript` every few seconds while the output grows: counts only, never log text. */
export const runProgressSignal = defineSignal<[RunProgress]>('runProgress');
export const approveUpdate = defineUpdate<{ status: string }, [ApprovalDecision]>('approve');
export const rejectUpdate = defineUpdate<{ status: string }, [ApprovalDecision]>('reject');

/** The retry policy of every step but finalizeExecution, from the execution's tuning. */
function retryPolicy(tuning: ExecutionTuning = {}) {
  return {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: `${tuning.retryMaxIntervalSeconds ?? 30}s`,
    maximumAttempts: tuning.retryMaxAttempts ?? 10,
  };
}

function stepActivities(tuning: ExecutionTuning | undefined) {
  const retry = retryPolicy(tuning);
  // A proxy: its activities are looked up by name, so it cannot be spread.
  const { prepareExecution, recordApproval, acquireSlot, checkProductionSafety, validateScript, stopRun } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry,
  });
  // Nothing may stay active without its outcome recorded: finalizeExecution outlasts any outage.
  const { finalizeExecution } = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    // No maximumAttempts: unlimited.
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: retry.backoffCoefficient, maximumInterval: '60s' },
  });
  return { prepareExecution, recordApproval, acquireSlot, checkProductionSafety, validateScript, stopRun, finalizeExecution };
}

/** Re-attaching after a crash is the point of retrying, so `runScript` gets twice the attempts. */
function runScriptActivity(timeoutSeconds: number, tuning: ExecutionTuning | undefined) {
  const retry = retryPolicy(tuning);
  return proxyActivities<Activities>({
    startToCloseTimeout: `${timeoutSeconds + 600} seconds`,
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumAttempts: retry.maximumAttempts * 2 },
  }).runScript;
}

/**
 * One execution of a job on an environment: prepare, guard production, validate on the host,
 * run detached with live output, record the outcome. The outcome is recorded also when the
 * execution is cancelled; the workflow's own result mirrors it (failed workflows carry the code).
 */
export async function migrationExecution({ executionId, tuning }: ExecutionInput): Promise<RunResult> {
  const { prepareExecution, recordApproval, acquireSlot, checkProductionSafety, validateScript, stopRun, finalizeExecution } = stepActivities(tuning);
  // Set through `enter`, from handlers and the main flow alike.
  let phase = 'preparing' as Phase;
  let status = 'queued';
  let queuePosition: number | null = null;
  let run: RunProgress = { lines: 0, done: null, total: null };
  // What the Temporal UI shows as the run's current details.
  const describe = (): void => {
    const parts = [`${phase}`];
    if (phase === 'running' || run.lines > 0) parts.push(`${run.lines} lines stored`);
    if (run.done !== null && run.total) parts.push(`${Math.floor((run.done / run.total) * 100)}% (${run.done}/${run.total})`);
    if (queuePosition !== null && phase === 'queued') parts.push(`${queuePosition} ahead in the queue`);
    setCurrentDetails(parts.join(' · '));
  };
  const enter = (next: Phase): void => {
    phase = next;
    describe();
  };
  let wakeUps = 0;
  let startedBy: string | undefined;
  let decision: { approved: boolean; by: string; reason?: string } | undefined;
  let decisionRecorded = false;
  setHandler(progressQuery, () => ({ phase, status, queuePosition, ...run, percent: run.done !== null && run.total ? (run.done / run.total) * 100 : null }));
  setHandler(runProgressSignal, (progress) => {
    // Signals can arrive out of order after a retry; lines only grow.
    if (progress.lines < run.lines) return;
    run = progress;
    describe();
  });
  setHandler(slotFreedSignal, () => {
    wakeUps += 1;
  });
  const mustAwaitDecision = (): void => {
    // While preparing, the API has already recorded the execution as awaiting approval.
    if ((phase !== 'awaiting_approval' && phase !== 'preparing') || decision) {
      throw ApplicationFailure.create({ type: 'CONFLICT', message: `The execution is not awaiting approval (it is ${status}).`, nonRetryable: true });
    }
  };
  const decide = (approved: boolean) => async (d: ApprovalDecision) => {
    decision = { approved, ...d };
    // Answer once the decision is in the database, so the caller reads it back right away.
    await condition(() => decisionRecorded);
    return { status };
  };
  setHandler(approveUpdate, decide(true), {
    validator: (d) => {
      mustAwaitDecision();
      if (startedBy !== undefined && d.by === startedBy) {
        throw ApplicationFailure.create({ type: 'FORBIDDEN', message: 'The operator who started an execution cannot approve it; another operator must.', nonRetryable: true });
      }
    },
  });
  setHandler(rejectUpdate, decide(false), { validator: (_d: ApprovalDecision) => mustAwaitDecision() });

  let outcomeRecorded = false;
  const finish = async (outcome: Omit<ExecutionOutcome, 'executionId'>): Promise<void> => {
    enter('finalizing');
    status = outcome.status;
    await CancellationScope.nonCancellable(() => finalizeExecution({ executionId, ...outcome }));
    outcomeRecorded = true;
    enter('done');
  };

  let result: RunResult;
  try {
    const plan = await prepareExecution(executionId);
    startedBy = plan.startedBy;
    // A decision on an execution that turned out not to need one has nothing to wait for.
    if (!plan.needsApproval) decisionRecorded = true;
    if (plan.needsApproval) {
      enter('awaiting_approval');
      status = 'awaiting_approval';
      const decided = await condition(() => decision !== undefined, plan.approvalTimeoutSeconds * 1000);
      if (!decision || !decided) {
        const message = `No second operator approved the execution within ${plan.approvalTimeoutSeconds} s; nothing was run.`;
        await finish({ status: 'failed', errorCode: 'APPROVAL_TIMEOUT', errorMessage: message });
        throw ApplicationFailure.create({ type: 'APPROVAL_TIMEOUT', message, nonRetryable: true });
      }
      if (!decision.approved) {
        const message = `Rejected by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}; nothing was run.`;
        await finish({ status: 'rejected', errorCode: 'APPROVAL_REJECTED', errorMessage: message, rejectedBy: decision.by });
        decisionRecorded = true;
        await condition(allHandlersFinished);
        throw ApplicationFailure.create({ type: 'APPROVAL_REJECTED', message, nonRetryable: true });
      }
      await recordApproval(executionId, decision.by);
      status = 'queued';
      decisionRecorded = true;
    }
    enter('queued');
    for (;;) {
      // Read before asking, so a wake-up that arrives during the activity is not missed.
      const seen = wakeUps;
      const slot = await acquireSlot(executionId);
      queuePosition = slot.acquired ? null : slot.position;
      if (slot.acquired) break;
      await condition(() => wakeUps !== seen, '15 seconds');
    }
    enter('checking');
    await checkProductionSafety(executionId);
    enter('validating');
    status = 'running';
    await validateScript(executionId);
    enter('running');
    result = await runScriptActivity(plan.timeoutSeconds, tuning)(executionId);
  } catch (err) {
    // Already recorded (rejected, or no approval in time): nothing more to do.
    if (outcomeRecorded) throw err;
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) {
      if (phase === 'running') {
        // runScript kills the group itself when its attempt is alive to hear the cancel; when
        // the attempt was in retry backoff or its worker was down, nobody did. stopRun makes
        // sure either way (a no-op when the group is already gone).
        await CancellationScope.nonCancellable(() => stopRun(executionId));
      }
      await finish({ status: 'cancelled', errorCode: 'CANCELLED', errorMessage: 'Cancelled by an operator; the remote process group was killed.' });
      throw isCancellation(err) ? err : new CancelledFailure('Cancelled by an operator.');
    }
    const failure = describeFailure(err);
    await finish({ status: 'failed', errorCode: failure.code, errorMessage: failure.message });
    throw ApplicationFailure.create({ type: failure.code, message: failure.message, nonRetryable: true });
  }

  if (result.exitCode !== 0) {
    const message = `The script exited with code ${result.exitCode}; see its log for why.`;
    await finish({ status: 'failed', exitCode: result.exitCode, errorCode: 'SCRIPT_FAILED', errorMessage: message });
    throw ApplicationFailure.create({ type: 'SCRIPT_FAILED', message, nonRetryable: true, details: [{ exitCode: result.exitCode }] });
  }
  await finish({ status: 'succeeded', exitCode: 0 });
  return result;
}

function describeFailure(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return { code: cause.type, message: cause.message };
  if (cause instanceof TimeoutFailure) {
    return { code: 'LOST', message: 'The worker running this step stopped answering and every retry timed out.' };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
