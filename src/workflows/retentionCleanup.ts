import { ActivityFailure, ApplicationFailure, continueAsNew, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { stepRetryPolicy } from './retryPolicy';
import type { RetentionInput, RetentionResult } from './types';

/** Keeps the history of one run small when a large backlog takes many batches. */
const maxBatchesPerRun = 500;

const { deleteExpiredLogLines, listSweepableEnvironments } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: stepRetryPolicy(),
});

const { sweepRunDirectories } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: stepRetryPolicy({ retryMaxAttempts: 5 }),
});

/**
 * Log retention, run daily by a Schedule: deletes the log lines of executions finished more
 * than `retentionDays` ago in bounded batches, then removes ended run directories left on the
 * hosts. An unreachable host does not stop the others; it is reported and swept next time.
 */
export async function retentionCleanup(input: RetentionInput): Promise<RetentionResult> {
  const { retentionDays, batchSize } = input;
  if (!Number.isInteger(retentionDays) || retentionDays < 0 || !Number.isInteger(batchSize) || batchSize < 1) {
    throw ApplicationFailure.create({
      type: 'VALIDATION_FAILED',
      message: `retentionDays must be a whole number of days (0 or more) and batchSize a positive integer; got ${retentionDays} and ${batchSize}.`,
      nonRetryable: true,
    });
  }

  let linesDeleted = input.carried?.linesDeleted ?? 0;
  let batches = input.carried?.batches ?? 0;
  for (let batchesThisRun = 1; ; batchesThisRun++) {
    const { deleted } = await deleteExpiredLogLines({ retentionDays, batchSize });
    linesDeleted += deleted;
    batches += 1;
    if (deleted < batchSize) break;
    if (batchesThisRun >= maxBatchesPerRun || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof retentionCleanup>({ retentionDays, batchSize, carried: { linesDeleted, batches } });
    }
  }

  let runDirsRemoved = 0;
  const sweepFailedEnvironments: string[] = [];
  // One host at a time: environments can share a host, and a daily sweep has no hurry.
  for (const environmentId of await listSweepableEnvironments()) {
    try {
      runDirsRemoved += (await sweepRunDirectories({ environmentId, retentionDays })).removed;
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      log.warn('Could not sweep the run directories of an environment; the next cleanup tries again.', {
        environmentId,
        failure: err.cause?.message,
      });
      sweepFailedEnvironments.push(environmentId);
    }
  }
  return { linesDeleted, batches, runDirsRemoved, sweepFailedEnvironments };
}
