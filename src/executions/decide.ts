import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import * as executions from '../db/executions';
import { MigratorError } from '../errors';
import type { Logger } from '../logger';
import { approvalDecidedSignal } from '../workflows/messages';
import { isSecondPerson } from './rules';

export interface DecideDeps {
  pool: Pool;
  temporal: Client;
  logger: Logger;
}

export interface Decision {
  approve: boolean;
  reason?: string;
}

/**
 * Four eyes on production, decided here for authenticated people and recorded in PostgreSQL
 * before the workflow hears of it. `by` is the person's login, so another token of the starter's
 * does not count. The workflow is only nudged to read the row: a message sent straight to
 * Temporal approves nothing. Approval, rejection and the deadline are each one conditional
 * update, so exactly one of them wins.
 */
export async function decideApproval(deps: DecideDeps, executionId: string, by: string, decision: Decision): Promise<executions.Execution> {
  const execution = await executions.getExecution(deps.pool, executionId);
  if (!execution) throw new MigratorError('NOT_FOUND', `Execution ${executionId} does not exist.`);
  const notAwaiting = (status: string) =>
    new MigratorError('CONFLICT', `Execution ${executionId} is ${status}, not awaiting approval.`);
  if (execution.status !== 'awaiting_approval') throw notAwaiting(execution.status);

  let won: boolean;
  if (decision.approve) {
    if (!isSecondPerson(execution.startedBy, by)) {
      throw new MigratorError(
        'FORBIDDEN',
        `You (${by}) started execution ${executionId}; another person must approve it. Another of your tokens does not count.`,
      );
    }
    won = await executions.approveExecution(deps.pool, executionId, by, decision.reason ?? null);
  } else {
    const message = `Rejected by ${by}${decision.reason ? `: ${decision.reason}` : ''}; nothing was run.`;
    won = await executions.rejectExecution(deps.pool, executionId, by, message);
  }
  const now = (await executions.getExecution(deps.pool, executionId))!;
  if (!won) throw notAwaiting(now.status);

  try {
    await deps.temporal.workflow.getHandle(execution.workflowId).signal(approvalDecidedSignal);
  } catch (err) {
    // Recorded all the same: the workflow re-reads its row every few minutes and at its deadline.
    deps.logger.warn({ err, executionId }, 'could not tell the workflow about an approval decision; it will read it on its next check');
  }
  return now;
}
