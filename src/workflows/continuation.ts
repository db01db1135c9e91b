import { allHandlersFinished, CancellationScope, CancelledFailure, condition, workflowInfo } from '@temporalio/workflow';

import type { ExecutionTuning } from './types';
import { keepsStatusAndContinues } from './upgrade';

/**
 * This run's history is long enough for the execution to go on in a new run: past the events
 * the tuning allows, or Temporal suggests it (its own count and size limits). Asked only after
 * a wait, so that every run makes progress before it hands over.
 */
export function historyIsLong(tuning: Required<ExecutionTuning>): boolean {
  const info = workflowInfo();
  return (info.continueAsNewSuggested || info.historyLength >= tuning.continueAfterEvents) && keepsStatusAndContinues();
}

/**
 * Called right before continuing as new, so that this run leaves nothing behind: every handler
 * has finished, and a cancel that arrived together with the last event (a timer, an activity's
 * result) is acted on by this run instead of ending with it. Signals that arrive later make
 * Temporal refuse the hand-over and replay this task with them; the next run re-reads the row
 * and asks for its slot first, so a nudge it never sees is not lost.
 */
export async function readyToHandOver(): Promise<void> {
  await condition(allHandlersFinished);
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled by an operator.');
}
