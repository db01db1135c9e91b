import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { progressPercent } from '../model/execution';
import { approvalDecidedSignal, progressQuery, runProgressSignal, slotFreedSignal } from './messages';
import type { ApprovalState, ExecutionInput, ExecutionOutcome, ExecutionTuning, Phase, RunProgress, RunResult } from './types';

/** The retry policy of every step but finalizeExecution and stopRun, from the execution's tuning. */
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
  const steps = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
  // Nothing may stay active without its outcome recorded, and no slot may free up while the run
  // may still be alive on the host: these two outlast any outage (no maximumAttempts: unlimited).
  const mustSucceed = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: retry.initialInterval, backoffCoefficient: retry.backoffCoefficient, maximumInterval: retry.maximumInterval },
  });
  // Proxies look activities up by name, so they cannot be spread.
  return {
    prepareExecution: steps.prepareExecution,
    readApproval: steps.readApproval,
    expireApproval: steps.expireApproval,
    acquireSlot: steps.acquireSlot,
    checkProductionSafety: steps.checkProductionSafety,
    validateScript: steps.validateScript,
    stopRun: steps.stopRun,
    stopRunForCancel: mustSucceed.stopRun,
    finalizeExecution: mustSucceed.finalizeExecution,
  };
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

/** An outcome the database already holds (decided by the API, or the deadline): the workflow ends with it. */
class RecordedOutcome extends Error {
  constructor(readonly failure: ApplicationFailure) {
    super(failure.message);
  }
}

/**
 * One execution of a job on an environment: prepare, await a production approval, wait for a
 * slot, guard production, validate on the host, run detached with live output, record the
 * outcome. The outcome is recorded also when the execution is cancelled; the workflow's own
 * result mirrors it (failed workflows carry the code).
 */
export async function migrationExecution({ executionId, tuning }: ExecutionInput): Promise<RunResult> {
  const {
    prepareExecution,
    readApproval,
    expireApproval,
    acquireSlot,
    checkProductionSafety,
    validateScript,
    stopRun,
    stopRunForCancel,
    finalizeExecution,
  } = stepActivities(tuning);
  // Set through `enter`, from handlers and the main flow alike.
  let phase = 'preparing' as Phase;
  let status = 'queued';
  let queuePosition: number | null = null;
  let run: RunProgress = { lines: 0, done: null, total: null };
  // What the Temporal UI shows as the run's current details.
  const describe = (): void => {
    const parts = [`${phase}`];
    if (phase === 'running' || run.lines > 0) parts.push(`${run.lines} lines stored`);
    const percent = progressPercent(run.done, run.total);
    if (percent !== null) parts.push(`${percent}% (${run.done}/${run.total})`);
    if (queuePosition !== null && phase === 'queued') parts.push(`${queuePosition} ahead in the queue`);
    setCurrentDetails(parts.join(' · '));
  };
  const enter = (next: Phase): void => {
    phase = next;
    describe();
  };
  let wakeUps = 0;
  let decisionNudges = 0;
  setHandler(progressQuery, () => ({ phase, status, queuePosition, ...run, percent: progressPercent(run.done, run.total) }));
  setHandler(runProgressSignal, (progress) => {
    // Signals can arrive out of order after a retry; lines only grow.
    if (progress.lines < run.lines) return;
    run = progress;
    describe();
  });
  setHandler(slotFreedSignal, () => {
    wakeUps += 1;
  });
  setHandler(approvalDecidedSignal, () => {
    decisionNudges += 1;
  });

  const finish = async (outcome: Omit<ExecutionOutcome, 'executionId'>): Promise<void> => {
    enter('finalizing');
    status = outcome.status;
    await CancellationScope.nonCancellable(() => finalizeExecution({ executionId, ...outcome }));
    enter('done');
  };

  /** Waits until the row says approved, rejected or expired; the API and the deadline decide, in PostgreSQL. */
  const awaitApproval = async (deadline: number): Promise<ApprovalState> => {
    const pollMs = (tuning?.approvalPollSeconds ?? 300) * 1000;
    let state = await readApproval(executionId);
    while (state.status === 'awaiting_approval') {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return expireApproval(executionId);
      const seen = decisionNudges;
      await condition(() => decisionNudges !== seen, Math.min(remaining, pollMs));
      state = await readApproval(executionId);
    }
    return state;
  };

  let result: RunResult;
  try {
    const plan = await prepareExecution(executionId);
    if (plan.alreadyEnded) {
      throw new RecordedOutcome(
        ApplicationFailure.create({ type: 'CONFLICT', message: 'The execution had already ended when its workflow started; nothing ran.', nonRetryable: true }),
      );
    }
    if (plan.needsApproval) {
      enter('awaiting_approval');
      status = 'awaiting_approval';
      const decided = await awaitApproval(plan.approvalDeadline ?? Date.now());
      if (decided.status !== 'queued') {
        status = decided.status;
        throw new RecordedOutcome(
          ApplicationFailure.create({
            type: decided.errorCode ?? 'CONFLICT',
            message: decided.errorMessage ?? `The execution ended ${decided.status} while awaiting approval.`,
            nonRetryable: true,
          }),
        );
      }
      status = 'queued';
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
    if (err instanceof RecordedOutcome) {
      enter('done');
      throw err.failure;
    }
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    let stopPending = false;
    if (phase === 'running') {
      // The script may still be alive on the host: runScript kills it when its attempt hears a
      // cancel, but not when the attempt was in retry backoff, its worker was down, or it gave
      // up on a fault. A cancel ends only once the group is confirmed gone (stopRun retries
      // until it is); a fault ends within the retry budget, and when the host cannot be reached
      // to stop the run, the reconciler keeps trying and the job waits to start again.
      if (cancelled) {
        await CancellationScope.nonCancellable(() => stopRunForCancel(executionId));
      } else {
        try {
          await CancellationScope.nonCancellable(() => stopRun(executionId));
        } catch {
          stopPending = true;
        }
      }
    }
    if (cancelled) {
      await finish({ status: 'cancelled', errorCode: 'CANCELLED', errorMessage: 'Cancelled by an operator; the remote process group was killed.' });
      throw isCancellation(err) ? err : new CancelledFailure('Cancelled by an operator.');
    }
    const failure = describeFailure(err);
    const message = stopPending ? `${failure.message} The run could not be confirmed stopped on the host; Migrator keeps trying.` : failure.message;
    await finish({ status: 'failed', errorCode: failure.code, errorMessage: message, stopPending });
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
