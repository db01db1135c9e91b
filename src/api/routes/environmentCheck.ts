import { Router } from 'express';
import type { Pool } from 'pg';

import { recordAudit } from '../../db/audit';
import { getEnvironment, pinHostKey, type Environment } from '../../db/environments';
import { sshTargetOf } from '../../ssh/target';
import { withTransaction } from '../../db/pool';
import { coerceError, MigratorError } from '../../errors';
import { checkHost, type HostReport } from '../../ssh/checkHost';
import { openConnection } from '../../ssh/connection';
import { requireRole } from '../auth';
import { HttpError, notFound, parseOrThrow } from '../problem';
import { emptyBody, idSchema } from '../schemas';

/** SSH failures are the host's or the configuration's fault, not the API's: never a 500. */
const sshProblems = {
  SSH_UNREACHABLE: { status: 502, title: 'Host unreachable' },
  SSH_AUTH_FAILED: { status: 502, title: 'SSH authentication failed' },
  HOST_KEY_MISMATCH: { status: 409, title: 'Host key mismatch' },
} as const;

function asProblem(err: unknown, env: Environment): unknown {
  if (!(err instanceof MigratorError) || !(err.code in sshProblems)) return err;
  const { status, title } = sshProblems[err.code as keyof typeof sshProblems];
  // The connection's own message promises the worker's retry, which an admin's check does not do.
  const detail =
    err.code === 'SSH_UNREACHABLE' && err.cause !== undefined
      ? `Cannot reach ${whereOf(env)}: ${coerceError(err.cause).message}. Check the host, port and network, then run the check again.`
      : err.message;
  return new HttpError(status, err.code, title, detail);
}

function whereOf(env: Environment): string {
  return `${env.username}@${env.host}:${env.port} (environment "${env.name}")`;
}

/** Where the check reads key files from and how long it waits for a handshake. */
export interface EnvironmentCheckSsh {
  keyDir: string;
  connectTimeoutMs: number;
}

async function probe(env: Environment, ssh: EnvironmentCheckSsh): Promise<{ presented: string; report: HostReport }> {
  const conn = await openConnection(sshTargetOf(env), { ...ssh, trustOnFirstUse: true });
  try {
    return { presented: conn.hostKeyFingerprint, report: await checkHost(conn, env, whereOf(env)) };
  } finally {
    conn.close();
  }
}

/**
 * Pins the presented key on an environment that has none, audited in the same transaction.
 * Returns false when a concurrent check pinned the same key first; a different one is a mismatch.
 */
async function pinOnFirstUse(pool: Pool, env: Environment, presented: string, actor: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    if (await pinHostKey(client, env.id, presented)) {
      await recordAudit(client, {
        actor,
        action: 'pin_host_key',
        entityType: 'environment',
        entityId: env.id,
        before: { hostKeyFingerprint: null },
        after: { hostKeyFingerprint: presented },
      });
      return true;
    }
    const current = await getEnvironment(client, env.id);
    if (!current) throw notFound(`Environment ${env.id}`);
    if (current.hostKeyFingerprint !== presented) {
      throw new HttpError(
        409,
        'HOST_KEY_MISMATCH',
        sshProblems.HOST_KEY_MISMATCH.title,
        `The host key of ${whereOf(env)} is ${presented}, but ${current.hostKeyFingerprint} was pinned by a concurrent check. ` +
          'Nothing was recorded; run the check again, and if the mismatch persists treat it as an attack.',
      );
    }
    return false;
  });
}

/** `POST /environments/:id/check`: connect, report the host key and what runs need, and pin the key on first use. */
export function environmentCheckRoutes(pool: Pool, ssh: EnvironmentCheckSsh): Router {
  const router = Router();
  router.post('/environments/:id/check', requireRole('admin'), async (req, res) => {
    const id = String(req.params.id);
    if (!idSchema.safeParse(id).success) throw notFound(`Environment ${id}`);
    parseOrThrow(emptyBody, req.body);
    const env = await getEnvironment(pool, id);
    if (!env) throw notFound(`Environment ${id}`);

    const { presented, report } = await probe(env, ssh).catch((err: unknown) => {
      throw asProblem(err, env);
    });
    const pinned = env.hostKeyFingerprint === null && (await pinOnFirstUse(pool, env, presented, req.principal!.name));

    res.json({
      environmentId: env.id,
      host: env.host,
      port: env.port,
      hostKeyFingerprint: presented,
      pinned,
      node: report.node,
      tools: report.tools,
      checkedAt: new Date().toISOString(),
    });
  });
  return router;
}
