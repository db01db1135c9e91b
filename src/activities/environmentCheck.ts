import type { Pool } from 'pg';

import { getEnvironment, type Environment } from '../db/environments';
import { pinHostKeyOnFirstUse } from '../db/hostKeyPin';
import { coerceError, MigratorError } from '../errors';
import type { Logger } from '../logger';
import type { EnvironmentCheckInput, EnvironmentCheckResult } from '../model/environmentCheck';
import { checkHost, type HostProbe } from '../ssh/checkHost';
import type { SshPool } from '../ssh/sshPool';
import { sshTargetOf } from '../ssh/target';

export interface EnvironmentCheckDeps {
  pool: Pool;
  ssh: SshPool;
  logger: Logger;
}

function whereOf(env: Environment): string {
  return `${env.username}@${env.host}:${env.port} (environment "${env.name}")`;
}

/** Connects on its own connection, trusting an unpinned key, and probes node and the tools. */
async function probe(ssh: SshPool, env: Environment): Promise<{ presented: string } & HostProbe> {
  try {
    const conn = await ssh.openForCheck(sshTargetOf(env));
    try {
      return { presented: conn.hostKeyFingerprint, ...(await checkHost(conn, env, whereOf(env))) };
    } finally {
      conn.close();
    }
  } catch (err) {
    const error = coerceError(err);
    // The connection's own message promises a retry, which an admin's check does not do.
    if (error instanceof MigratorError && error.code === 'SSH_UNREACHABLE' && error.cause !== undefined) {
      throw new MigratorError(
        'SSH_UNREACHABLE',
        `Cannot reach ${whereOf(env)}: ${coerceError(error.cause).message}. Check the host, port and network, then run the check again.`,
      );
    }
    throw error;
  }
}

/**
 * The activity of the `environmentCheck` workflow: the admin's connectivity check, run where
 * the keys are. It pins the presented key when none is pinned, audited with the admin as actor,
 * here, in the same process that saw the key in its own handshake: nothing that reaches
 * Temporal's frontend (a forged result, a rogue worker without database access) can choose the key.
 */
export function createEnvironmentCheckActivities({ pool, ssh, logger }: EnvironmentCheckDeps) {
  return {
    async checkEnvironment(input: EnvironmentCheckInput): Promise<EnvironmentCheckResult> {
      const env = await getEnvironment(pool, input.environmentId);
      if (!env) throw new MigratorError('NOT_FOUND', `Environment ${input.environmentId} does not exist.`);
      const log = logger.child({ environmentId: env.id, environmentName: env.name });
      let found: Awaited<ReturnType<typeof probe>>;
      try {
        found = await probe(ssh, env);
      } catch (err) {
        const error = coerceError(err);
        // What the host printed stays in this log: it may hold anything shellInit prints.
        if (error.cause !== undefined) log.warn({ reason: coerceError(error.cause).message }, error.message);
        throw error;
      }
      const { presented, report, hostStderr } = found;
      if (!report.node.ok && hostStderr) log.warn({ hostStderr: hostStderr.slice(-2000) }, 'node is not usable on the host; what the host printed during the check');
      const answer = { ...report, hostKeyFingerprint: presented };
      // Pinned before: the connection verified the presented key against it.
      if (env.hostKeyFingerprint !== null) return { ...answer, pinnedBefore: true, pinnedNow: false };
      if (Date.now() >= input.answerBy) {
        throw new MigratorError(
          'UNAVAILABLE',
          'The API stopped waiting for this check before the host key could be pinned, so nothing was pinned; run the check again.',
        );
      }
      const pin = await pinHostKeyOnFirstUse(pool, env.id, presented, input.actor);
      if (pin.pinnedNow) return { ...answer, pinnedBefore: false, pinnedNow: true };
      if (pin.pinnedFingerprint === null) throw new MigratorError('NOT_FOUND', `Environment ${env.id} does not exist.`);
      if (pin.pinnedFingerprint !== presented) {
        throw new MigratorError(
          'HOST_KEY_MISMATCH',
          `The host key of ${whereOf(env)} is ${presented}, but ${pin.pinnedFingerprint} was pinned by a concurrent check. ` +
            'Nothing was recorded; run the check again, and if the mismatch persists treat it as an attack.',
        );
      }
      // A concurrent check recorded the same key first.
      return { ...answer, pinnedBefore: true, pinnedNow: false };
    },
  };
}
