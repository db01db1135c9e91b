import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';

import * as executions from '../db/executions';
import { MigratorError } from '../errors';
import { isFinalStatus } from '../model/execution';

export interface CancelDeps {
  pool: Pool;
  temporal: Client;
}

/**
 * Asks for an execution to be cancelled: records who asked (the first asker is kept) and
 * cancels its workflow, which kills the run and records `cancelled` once the group is gone.
 * A workflow that no longer exists is the reconciler's to end.
 */
export async function requestCancel(deps: CancelDeps, executionId: string, by: string): Promise<executions.Execution> {
  const execution = await executions.getExecution(deps.pool, executionId);
  if (!execution) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist.`);
  if (isFinalStatus(execution.status)) {
    throw new MigratorError('CONFLICT', `Execution ${execution.id} already ended ${execution.status}.`);
  }
  await executions.recordCancelRequest(deps.pool, execution.id, by);
  try {
    await deps.temporal.workflow.getHandle(execution.workflowId).cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return execution;
}
