import type { ClientChannel } from 'ssh2';

import { MigratorError } from '../errors';
import type { SshSession } from './connection';

export interface ExecResult {
  /** Exit status, or `null` when the process died of a signal or the connection dropped. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Opens an exec channel. A NUL byte would make sshd drop the whole connection, so it is refused here. */
export function openChannel(session: SshSession, command: string): Promise<ClientChannel> {
  if (command.includes('\0')) {
    return Promise.reject(new MigratorError('VALIDATION_FAILED', 'A remote command cannot contain a NUL byte.'));
  }
  return session.exec(command);
}

/** Waits for a channel to close and returns its exit status; both streams are always consumed. */
export function channelExit(channel: ClientChannel): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    channel.once('close', (code: number | null | undefined, signal?: string) => {
      resolve({ code: typeof code === 'number' ? code : null, signal: signal ?? null });
    });
  });
}

export interface ExecCollectOptions {
  /** Output kept, for commands that print little. */
  maxBytes?: number;
  /** Written to the command's stdin, which is then closed; without it stdin stays open and unused. */
  input?: Buffer;
}

/** Runs a short command and collects its output (capped). */
export async function execCollect(conn: SshSession, command: string, options: ExecCollectOptions = {}): Promise<ExecResult> {
  const { maxBytes = 1 << 20, input } = options;
  const channel = await openChannel(conn, command);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const keep = (into: Buffer[]) => (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) into.push(chunk);
  };
  channel.on('data', keep(out));
  channel.stderr.on('data', keep(err));
  const exit = channelExit(channel);
  // ssh2 sends it as the server's window allows; what a command does not read, sshd discards.
  if (input) channel.end(input);
  const { code, signal } = await exit;
  return {
    code,
    signal,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
