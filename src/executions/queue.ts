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

/** Signals the next queued executions of an environment that a slot may be free, or that they moved up. */
export async function wakeQueued(deps: WakeDeps, environmentId: string): Promise<void> {
  if (!deps.temporal) return;
  const env = await getEnvironment(deps.pool, environmentId);
  if (!env) return;
  const waiting = await slots.nextQueued(deps.pool, env.id, env.maxConcurrency);
  const results = await Promise.allSettled(waiting.map((workflowId) => deps.temporal!.workflow.getHandle(workflowId).signal(slotFreedSignal)));
  for (const [i, result] of results.entries()) {
    // Not fatal: the queued workflow also polls for its slot.
    if (result.status === 'rejected') deps.logger.warn({ workflowId: waiting[i], err: result.reason }, 'could not wake a queued execution');
  }
}
