import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  CancellationScope,
  isCancellation,
  makeContinueAsNewFunc,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';

import { awaitApproval } from './approvalWait';
import { historyIsLong, readyToHandOver } from './continuation';
import { runScriptActivity, stepActivities } from './executionActivities';
import { ExecutionState } from './executionState';
import { awaitSlot } from './slotWait';
import { showStatus } from './statusAttributes';
import { withDefaults } from './tuning';
import type { ExecutionInput, ExecutionOutcome, ExecutionPlan, ExecutionResume, RunResult } from './types';

/** An outcome the database already holds (decided by the API, or the deadline): the workflow ends with it. */
class RecordedOutcome extends Error {
  constructor(
    readonly failure: ApplicationFailure,
    readonly status: string | null,
    readonly errorCode: string | null,
  ) {
    super(failure.message);
  }
}

/**
 * One execution of a job on an environment: prepare, await a production approval, wait for a
 * slot, guard production, validate on the host, run detached with live output, record the
 * outcome. The outcome is recorded also when the execution is cancelled; the workflow's own
 * result mirrors it (failed workflows carry the code).
 *
 * Waiting for an approval or a slot, and following a long run, continue as new once the history
 * is long (see `continuation.ts`): the next run starts from `resume`, re-reads the approval or
 * asks for its slot first, or re-attaches to the run, which was started once and never again.
 */
export async function migrationExecution(input: ExecutionInput): Promise<RunResult> {
  const { executionId, resume } = input;
  const tuning = withDefaults(input.tuning);
  const steps = stepActivities(tuning);
  const state = new ExecutionState(resume);
  state.listen();

  const setStatus = (status: string): void => {
    state.status = status;
    showStatus(status);
  };

  const finish = async (outcome: Omit<ExecutionOutcome, 'executionId'>): Promise<void> => {
    state.enter('finalizing');
    state.status = outcome.status;
    await CancellationScope.nonCancellable(() => steps.finalizeExecution({ executionId, ...outcome }));
    showStatus(outcome.status, outcome.errorCode ?? null);
    state.enter('done');
  };

  const prepare = async (): Promise<ExecutionPlan> => {
    const plan = await steps.prepareExecution(executionId);
    if (plan.alreadyEnded) {
      throw new RecordedOutcome(
        ApplicationFailure.create({ type: 'CONFLICT', message: 'The execution had already ended when its workflow started; nothing ran.', nonRetryable: true }),
        plan.endedAs?.status ?? null,
        plan.endedAs?.errorCode ?? null,
      );
    }
    return plan;
  };

  /** Takes the execution as far as this run may: to the run's end, or to where the next run resumes. */
  const proceed = async (): Promise<RunResult | ExecutionResume> => {
    const plan = resume?.plan ?? (await prepare());
    let phase: ExecutionResume['phase'] = resume?.phase ?? (plan.needsApproval ? 'awaiting_approval' : 'queued');
    if (phase === 'awaiting_approval') {
      setStatus('awaiting_approval');
      state.enter('awaiting_approval');
      const decided = await awaitApproval(steps, state, executionId, plan.approvalDeadline ?? Date.now(), tuning);
      if (decided === 'continue') return state.resumeAt('awaiting_approval', plan);
      if (decided.status !== 'queued') {
        throw new RecordedOutcome(
          ApplicationFailure.create({
            type: decided.errorCode ?? 'CONFLICT',
            message: decided.errorMessage ?? `The execution ended ${decided.status} while awaiting approval.`,
            nonRetryable: true,
          }),
          decided.status,
          decided.errorCode,
        );
      }
      phase = 'queued';
    }
    if (phase === 'queued') {
      setStatus('queued');
      state.enter('queued');
      if ((await awaitSlot(steps, state, executionId, tuning)) === 'continue') return state.resumeAt('queued', plan);
      // The slot is the row's `running` status.
      setStatus('running');
      state.enter('checking');
      await steps.checkProductionSafety(executionId);
      state.enter('validating');
      await steps.validateScript(executionId);
    }
    setStatus('running');
    state.enter('running');
    const runScript = runScriptActivity(plan.timeoutSeconds, tuning);
    for (;;) {
      const run = await runScript(executionId, { segmentSeconds: tuning.runSegmentSeconds, progressIntervalSeconds: tuning.progressIntervalSeconds });
      state.recordRun(run.progress);
      if (run.ended !== false) return { exitCode: run.exitCode, lineCount: run.lineCount };
      // The run goes on: re-attach in this run, or in the next one once this history is long.
      if (historyIsLong(tuning)) return state.resumeAt('running', plan);
    }
  };

  let reached: RunResult | ExecutionResume;
  try {
    reached = await proceed();
    if ('plan' in reached) await readyToHandOver();
  } catch (err) {
    if (err instanceof RecordedOutcome) {
      if (err.status) showStatus(err.status, err.errorCode);
      state.enter('done');
      throw err.failure;
    }
    const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
    let stopPending = false;
    if (state.phase === 'running') {
      // The script may still be alive on the host: runScript kills it when its attempt hears a
      // cancel, but not when the attempt was in retry backoff, its worker was down, or it gave
      // up on a fault. A cancel ends only once the group is confirmed gone (stopRun retries
      // until it is); a fault ends within the retry budget, and when the host cannot be reached
      // to stop the run, the reconciler keeps trying and the job waits to start again.
      if (cancelled) {
        await CancellationScope.nonCancellable(() => steps.stopRunForCancel(executionId));
      } else {
        try {
          await CancellationScope.nonCancellable(() => steps.stopRun(executionId));
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

  if ('plan' in reached) {
    // The search attributes as they are now, upserts included, go on with the execution.
    const continueAsNew = makeContinueAsNewFunc<typeof migrationExecution>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
    return continueAsNew({ ...input, resume: reached });
  }
  if (reached.exitCode !== 0) {
    const message = `The script exited with code ${reached.exitCode}; see its log for why.`;
    await finish({ status: 'failed', exitCode: reached.exitCode, errorCode: 'SCRIPT_FAILED', errorMessage: message });
    throw ApplicationFailure.create({ type: 'SCRIPT_FAILED', message, nonRetryable: true, details: [{ exitCode: reached.exitCode }] });
  }
  await finish({ status: 'succeeded', exitCode: 0 });
  return reached;
}

function describeFailure(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return { code: cause.type, message: cause.message };
  if (cause instanceof TimeoutFailure) {
    return { code: 'LOST', message: 'The worker running this step stopped answering and every retry timed out.' };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
