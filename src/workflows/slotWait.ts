import { condition } from '@temporalio/workflow';

import { historyIsLong } from './continuation';
import type { ExecutionSteps } from './executionActivities';
import type { ExecutionState } from './executionState';
import type { ExecutionTuning } from './types';

/**
 * Waits for a run slot on the environment, first in first out. `acquireSlot` decides; the
 * `slotFreed` signal says when to ask again, and a long backstop covers a lost signal. Returns
 * 'continue' instead when this run's history grew long while it waited.
 */
export async function awaitSlot(
  steps: ExecutionSteps,
  state: ExecutionState,
  executionId: string,
  tuning: Required<ExecutionTuning>,
): Promise<'acquired' | 'continue'> {
  for (let waited = false; ; waited = true) {
    // Counted before asking, so a wake-up that arrives while the activity runs is not missed.
    const seen = state.wakeUps;
    const slot = await steps.acquireSlot(executionId);
    state.queuedBehind(slot.acquired ? null : slot.position);
    if (slot.acquired) return 'acquired';
    if (waited && historyIsLong(tuning)) return 'continue';
    await condition(() => state.wakeUps !== seen, `${tuning.queueBackstopSeconds} seconds`);
  }
}
