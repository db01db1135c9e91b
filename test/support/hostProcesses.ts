import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { SshSession } from '../../src/ssh/connection';
import { SshPool } from '../../src/ssh/sshPool';
import { sharedServices } from './env';

/** True while a non-zombie process with this pid exists on the host (this machine, via /proc). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The run directory of an execution on the loopback host (the tests' user's home). */
export function runDirOf(executionId: string): string {
  return path.join(os.homedir(), '.migrator', 'runs', executionId);
}

/** A session on the shared loopback sshd, through a pool of its own (close the pool when done). */
export async function sharedHostSession(environmentName: string): Promise<{ pool: SshPool; session: SshSession }> {
  const { host, port, username, privateKeyPath, hostKeyFingerprint, dir } = sharedServices().ssh;
  const pool = new SshPool({ keyDir: dir });
  const session = await pool.session({ environmentName, host, port, username, privateKeyPath, passphraseEnv: null, useAgent: false, hostKeyFingerprint });
  return { pool, session };
}
