import type { TargetSnapshot } from '../model/snapshot';

/**
 * Where and how to reach a host; loaded from the environment row on the worker, never from
 * history. `hostKeyFingerprint` (OpenSSH `SHA256:`) is `null` only for the explicit check that
 * records it.
 */
export type SshTarget = Omit<TargetSnapshot, 'nodePath' | 'shellInit'>;

/** The connection fields of an environment (a row, or an execution's snapshot of one). */
export type ConnectionFields = Omit<SshTarget, 'environmentName'> & { name: string };

export function sshTargetOf(env: ConnectionFields): SshTarget {
  return {
    environmentName: env.name,
    host: env.host,
    port: env.port,
    username: env.username,
    privateKeyPath: env.privateKeyPath,
    passphraseEnv: env.passphraseEnv,
    useAgent: env.useAgent,
    hostKeyFingerprint: env.hostKeyFingerprint,
  };
}
