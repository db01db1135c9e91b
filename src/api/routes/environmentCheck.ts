import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Pool } from 'pg';

import { getEnvironment } from '../../db/environments';
import { MigratorError } from '../../errors';
import { checkEnvironmentOnWorker } from '../../temporal/environmentCheck';
import { requireRole } from '../auth';
import { HttpError, notFound, parseOrThrow } from '../problem';
import { emptyBody, idSchema } from '../schemas';

/** SSH failures are the host's or the configuration's fault, not the API's: never a 500. */
const sshProblems = {
  SSH_UNREACHABLE: { status: 502, title: 'Host unreachable' },
  SSH_AUTH_FAILED: { status: 502, title: 'SSH authentication failed' },
  HOST_KEY_MISMATCH: { status: 409, title: 'Host key mismatch' },
} as const;

function asProblem(err: unknown): unknown {
  if (!(err instanceof MigratorError) || !(err.code in sshProblems)) return err;
  const { status, title } = sshProblems[err.code as keyof typeof sshProblems];
  return new HttpError(status, err.code, title, err.message);
}

export interface EnvironmentCheckDeps {
  pool: Pool;
  temporal: Client;
  /** The workers' task queue. */
  taskQueue: string;
  /** How long to wait for a worker's answer (30 s by default). */
  timeoutMs?: number;
}

/**
 * `POST /environments/:id/check`: a worker connects, reports the host key, node and the tools,
 * and pins the key on first use; this API never opens SSH itself.
 */
export function environmentCheckRoutes(deps: EnvironmentCheckDeps): Router {
  const router = Router();
  router.post('/environments/:id/check', requireRole('admin'), async (req, res) => {
    const id = String(req.params.id);
    if (!idSchema.safeParse(id).success) throw notFound(`Environment ${id}`);
    parseOrThrow(emptyBody, req.body);
    const env = await getEnvironment(deps.pool, id);
    if (!env) throw notFound(`Environment ${id}`);

    const checked = await checkEnvironmentOnWorker(deps, env, req.principal!.name).catch((err: unknown) => {
      throw asProblem(err);
    });

    res.json({
      environmentId: env.id,
      host: env.host,
      port: env.port,
      hostKeyFingerprint: checked.hostKeyFingerprint,
      pinnedBefore: checked.pinnedBefore,
      pinnedNow: checked.pinnedNow,
      node: checked.node,
      tools: checked.tools,
      checkedAt: new Date().toISOString(),
    });
  });
  return router;
}
