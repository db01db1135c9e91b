import { condition } from '@temporalio/workflow';

import { historyIsLong } from './continuation';
import type { ExecutionSteps } from './executionActivities';
import type { ExecutionState } from './executionState';
import type { ApprovalState, ExecutionTuning } from './types';

/**
 * Waits until the execution's row says approved (`queued`), rejected or expired: the API and
 * the deadline decide, in PostgreSQL; the `approvalDecided` signal only says when to look.
 * Returns 'continue' instead when this run's history grew long while it waited.
 */
export async function awaitApproval(
  steps: ExecutionSteps,
  state: ExecutionState,
  executionId: string,
  deadline: number,
  tuning: Required<ExecutionTuning>,
): Promise<ApprovalState | 'continue'> {
  for (let waited = false; ; waited = true) {
    // Counted before the row is read, so a decision announced while it is being read is not slept through.
    const seen = state.decisionNudges;
    const approval = await steps.readApproval(executionId);
    if (approval.status !== 'awaiting_approval') return approval;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return steps.expireApproval(executionId);
    if (waited && historyIsLong(tuning)) return 'continue';
    await condition(() => state.decisionNudges !== seen, Math.min(remaining, tuning.approvalPollSeconds * 1000));
  }
}
