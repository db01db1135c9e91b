import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import * as slots from '../db/slots';
import type { Logger } from '../logger';
import { slotFreedSignal } from '../workflows/messages';

export interface WakeDeps {
  pool: Pool;
  logger: Logger;
  /** Without a client, queued executions notice a free slot by polling. */
  temporal?: Client;
}

/**
 * Signals the next queued executions of an environment that a slot may be free, or that they
 * moved up. `onlyNext` signals the first in line alone: after a grant, only it may take a slot
 * (FIFO), and waking all of them after every grant would cost the square of the queue in
 * activities and signals when hundreds arrive at once.
 */
export async function wakeQueued(deps: WakeDeps, environmentId: string, options: { onlyNext?: boolean } = {}): Promise<void> {
  if (!deps.temporal) return;
  const env = await getEnvironment(deps.pool, environmentId);
  if (!env) return;
  const waiting = await slots.nextQueued(deps.pool, env.id, options.onlyNext ? 1 : env.maxConcurrency);
  const results = await Promise.allSettled(waiting.map((workflowId) => deps.temporal!.workflow.getHandle(workflowId).signal(slotFreedSignal)));
  for (const [i, result] of results.entries()) {
    // Not fatal: the queued workflow also polls for its slot.
    if (result.status === 'rejected') deps.logger.warn({ workflowId: waiting[i], err: result.reason }, 'could not wake a queued execution');
  }
}
