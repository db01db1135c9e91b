import { createHash } from 'node:crypto';

import { Client, type ClientChannel } from 'ssh2';

import { coerceError, MigratorError } from '../errors';
import { loadCredentials } from './credentials';
import type { SshTarget } from './target';

export type { SshTarget } from './target';

/** `SSH_CONNECT_TIMEOUT_SECONDS`' default. */
export const defaultConnectTimeoutMs = 20_000;

export interface ConnectOptions {
  /** The only directory key files are read from (`SSH_KEY_DIR`). */
  keyDir: string;
  /** How long TCP connect and the SSH handshake may take together (`SSH_CONNECT_TIMEOUT_SECONDS`). */
  connectTimeoutMs?: number;
  /** Accept an unpinned host key and report it; only the admin's connectivity check does this. */
  trustOnFirstUse?: boolean;
  /** A connection whose server misses three keepalives in a row is closed (and replaced by the pool). */
  keepaliveIntervalMs?: number;
}

/** Where remote commands run: one connection, or a pool's session spreading channels over several. */
export interface SshSession {
  /** The fingerprint the server presented, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** Opens an exec channel; use `openChannel`, which refuses commands sshd would choke on. */
  exec(command: string): Promise<ClientChannel>;
}

export interface SshConnection extends SshSession {
  /** True once the transport is gone (closed by either side, or keepalive gave up). */
  readonly closed: boolean;
  onClose(listener: () => void): void;
  close(): void;
}

/** The OpenSSH-style fingerprint of a raw host key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Opens an SSH connection that refuses any host key other than the pinned one. Failures are
 * classified into the design's codes; only `SSH_UNREACHABLE` is worth retrying. Whatever the
 * host does (reset, silence, garbage), this settles once and nothing is left to throw later.
 */
export async function openConnection(target: SshTarget, options: ConnectOptions): Promise<SshConnection> {
  const auth = await loadCredentials(target, options.keyDir);
  if (!target.hostKeyFingerprint && !options.trustOnFirstUse) {
    throw new MigratorError(
      'HOST_KEY_MISMATCH',
      `Environment "${target.environmentName}" has no pinned host key, so nothing will run there. ` +
        'Run the connectivity check as an admin to record it, or set hostKeyFingerprint to the output of `ssh-keygen -lf` for the host key.',
    );
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
  let presented: string | undefined;
  const client = new Client();
  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    // ssh2's readyTimeout covers TCP connect and handshake; this only guards against a path on
    // which it neither becomes ready nor reports an error.
    const backstop = setTimeout(() => fail(new Error(`no SSH handshake within ${connectTimeoutMs} ms`)), connectTimeoutMs + 5000);
    function fail(err: Error & { level?: string; code?: string }): void {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      client.destroy();
      reject(classifyConnectError(err, target, presented));
    }
    // Permanent, and attached before connect(): ssh2 can emit a second `error` after the first
    // ("Connection lost before handshake" once the socket closes), and with no listener left
    // Node would throw it and end the process. After `ready` it has nothing left to settle: a
    // dropped transport shows as closed channels and is classified where they are used.
    client.on('error', fail);
    client.on('close', () => fail(new Error('the connection closed before the SSH handshake completed')));
    client.once('ready', () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      clearTimeout(backstop);
      resolve(readyConnection(client, presented ?? ''));
    });
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          return options.trustOnFirstUse && !target.hostKeyFingerprint ? true : presented === target.hostKeyFingerprint;
        },
        ...auth,
      });
    } catch (err) {
      fail(coerceError(err));
    }
  });
}

function readyConnection(client: Client, hostKeyFingerprint: string): SshConnection {
  let closed = false;
  client.once('close', () => {
    closed = true;
  });
  return {
    hostKeyFingerprint,
    get closed() {
      return closed;
    },
    onClose: (listener) => {
      if (closed) listener();
      else client.once('close', listener);
    },
    exec: (command) =>
      new Promise((resolve, reject) => {
        if (closed) {
          reject(new MigratorError('SSH_UNREACHABLE', 'The SSH connection is closed.'));
          return;
        }
        const fail = (err: Error): void =>
          reject(
            new MigratorError('SSH_UNREACHABLE', `Cannot open an SSH channel: ${err.message}.`, { reason: channelOpenReason(err) }, { cause: err }),
          );
        try {
          client.exec(command, (err, channel) => (err ? fail(err) : resolve(channel)));
        } catch (err) {
          // ssh2 throws "Not connected" synchronously when the socket is already gone.
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    close: () => client.end(),
  };
}

/** `refused` when the server declined one more channel (e.g. `MaxSessions` reached), not a dead connection. */
function channelOpenReason(err: Error & { reason?: unknown }): 'refused' | 'failed' {
  return typeof err.reason === 'number' ? 'refused' : 'failed';
}

function classifyConnectError(
  err: Error & { level?: string; code?: string },
  target: SshTarget,
  presented: string | undefined,
): MigratorError {
  const where = `${target.username}@${target.host}:${target.port} (environment "${target.environmentName}")`;
  if (presented !== undefined && target.hostKeyFingerprint && presented !== target.hostKeyFingerprint) {
    return new MigratorError(
      'HOST_KEY_MISMATCH',
      `The host key of ${where} is ${presented}, but ${target.hostKeyFingerprint} is pinned. Nothing was run. ` +
        'If the host was legitimately rebuilt, an admin must update hostKeyFingerprint; otherwise treat this as an attack.',
      { presented, pinned: target.hostKeyFingerprint },
      { cause: err },
    );
  }
  if (err.level === 'client-authentication') {
    return new MigratorError(
      'SSH_AUTH_FAILED',
      `${where} refused our credentials; check the username, that the public key is in authorized_keys, and the passphrase.`,
      {},
      { cause: err },
    );
  }
  return new MigratorError(
    'SSH_UNREACHABLE',
    `Cannot reach ${where}: ${err.message}. Check the host, port and network; the attempt will be retried.`,
    { reason: err.code ?? err.level ?? 'unknown' },
    { cause: err },
  );
}
