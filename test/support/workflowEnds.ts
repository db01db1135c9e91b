import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';

/** How a workflow ended: 'succeeded', 'CANCELLED', or the failure type (the design's error code). */
export async function endOf(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return 'succeeded';
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof CancelledFailure) return 'CANCELLED';
    if (err.cause instanceof ApplicationFailure && err.cause.type) return err.cause.type;
    throw err;
  }
}
