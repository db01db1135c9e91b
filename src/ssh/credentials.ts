import { utils, type ConnectConfig, type ParsedKey } from 'ssh2';

import { MigratorError } from '../errors';
import { passphraseEnvPrefix } from '../model/credentials';
import type { SshTarget } from './target';
import { readKeyFile } from './keyFile';

/** How an admin gets an environment's `passphraseEnv` within the rule. */
export function passphraseEnvRefusal(environmentName: string, passphraseEnv: string): MigratorError {
  return new MigratorError(
    'SSH_AUTH_FAILED',
    `Environment "${environmentName}" reads its key passphrase from $${passphraseEnv}, but passphrases are only read from variables ` +
      `whose name starts with ${passphraseEnvPrefix}. An admin must set the passphrase in such a variable on every worker ` +
      `(e.g. ${passphraseEnvPrefix}STAGING) and PATCH the environment's passphraseEnv to its name.`,
  );
}

/** The key and passphrase after ssh2 parsed them, so that a bad key fails here, not inside ssh2. */
async function keyAuth(target: SshTarget & { privateKeyPath: string }, keyDir: string): Promise<Partial<ConnectConfig>> {
  let passphrase: string | undefined;
  if (target.passphraseEnv) {
    if (!target.passphraseEnv.startsWith(passphraseEnvPrefix)) throw passphraseEnvRefusal(target.environmentName, target.passphraseEnv);
    passphrase = process.env[target.passphraseEnv];
    if (passphrase === undefined) {
      throw new MigratorError(
        'SSH_AUTH_FAILED',
        `Environment "${target.environmentName}" reads its key passphrase from $${target.passphraseEnv}, which is not set here; set it on every worker.`,
      );
    }
  }
  const privateKey = await readKeyFile(keyDir, target.privateKeyPath, target.environmentName);
  // ssh2 would throw a plain Error from connect() for these, which would be retried as if the
  // host were down; a key that does not parse will not parse on the next attempt either.
  const parsed = utils.parseKey(privateKey, passphrase);
  // OpenSSH's format can hold several keys; ssh2 uses the first, and so do we.
  const key: ParsedKey | Error | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  // A public key parses too, but has no private half (ssh2's typing says string; it is null then).
  if (key === undefined || key instanceof Error || (key.getPrivatePEM() as string | null) === null) {
    const reason = key instanceof Error ? key.message : 'the file holds no private key';
    throw new MigratorError(
      'SSH_AUTH_FAILED',
      `The private key of environment "${target.environmentName}" cannot be used (${reason}): it must be an unencrypted private key, ` +
        `or an encrypted one whose passphrase is in the variable named by passphraseEnv. An admin must fix the key file or the passphrase.`,
    );
  }
  return { privateKey, ...(passphrase === undefined ? {} : { passphrase }) };
}

/**
 * The credentials ssh2 gets for `target`: its key file from inside `keyDir`, parsed, with the
 * passphrase from an allowed variable, and/or ssh-agent. Every refusal is `SSH_AUTH_FAILED`.
 */
export async function loadCredentials(target: SshTarget, keyDir: string): Promise<Partial<ConnectConfig>> {
  const auth: Partial<ConnectConfig> = {};
  if (target.privateKeyPath) Object.assign(auth, await keyAuth({ ...target, privateKeyPath: target.privateKeyPath }, keyDir));
  if (target.useAgent) {
    if (!process.env.SSH_AUTH_SOCK) {
      throw new MigratorError(
        'SSH_AUTH_FAILED',
        `Environment "${target.environmentName}" uses ssh-agent, but SSH_AUTH_SOCK is not set on this worker.`,
      );
    }
    auth.agent = process.env.SSH_AUTH_SOCK;
  }
  if (!auth.privateKey && !auth.agent) {
    throw new MigratorError(
      'SSH_AUTH_FAILED',
      `Environment "${target.environmentName}" has no credentials: set privateKeyPath or useAgent.`,
    );
  }
  return auth;
}
