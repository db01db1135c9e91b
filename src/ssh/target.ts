/** Where and how to reach a host; loaded from the environment row on the worker, never from history. */
export interface SshTarget {
  environmentName: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | null;
  passphraseEnv: string | null;
  useAgent: boolean;
  /** OpenSSH `SHA256:` fingerprint; `null` only for the explicit check that records it. */
  hostKeyFingerprint: string | null;
}

/** The connection fields of an environment (a row, or an execution's snapshot of one). */
export interface ConnectionFields {
  name: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | null;
  passphraseEnv: string | null;
  useAgent: boolean;
  hostKeyFingerprint: string | null;
}

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
