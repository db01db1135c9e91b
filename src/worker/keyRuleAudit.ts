import type { Pool } from 'pg';

import { listEnvironments } from '../db/environments';
import { sshTargetOf } from '../ssh/target';
import { coerceError } from '../errors';
import type { Logger } from '../logger';
import { passphraseEnvPrefix } from '../model/credentials';
import { loadCredentials, passphraseEnvRefusal } from '../ssh/credentials';

/**
 * Warns, once per environment and with the fix, about every environment whose key file or
 * passphrase variable this worker would refuse: rows written before the rules existed, or keys
 * an admin has not put in SSH_KEY_DIR yet. Their runs would fail SSH_AUTH_FAILED; better the
 * admin reads it here first.
 */
export async function warnAboutEnvironmentsBreakingKeyRules(pool: Pool, keyDir: string, logger: Logger): Promise<void> {
  for (const env of await listEnvironments(pool)) {
    const where = { environmentId: env.id, environmentName: env.name };
    if (env.passphraseEnv && !env.passphraseEnv.startsWith(passphraseEnvPrefix)) {
      logger.warn(where, passphraseEnvRefusal(env.name, env.passphraseEnv).message);
      continue;
    }
    if (!env.privateKeyPath) continue;
    try {
      // Reading a key is safe now (no FIFO waits, at most 64 KiB), so the check is the real one.
      await loadCredentials({ ...sshTargetOf(env), useAgent: false }, keyDir);
    } catch (err) {
      const error = coerceError(err);
      // The reason stays in this log for whoever runs the worker; the message is the same for every reason.
      logger.warn({ ...where, reason: error.cause === undefined ? undefined : coerceError(error.cause).message }, error.message);
    }
  }
}
