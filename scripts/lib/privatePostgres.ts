import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './loopbackSshd';

/** A throwaway PostgreSQL server of its own, for tests that restart PostgreSQL mid-run. */
export interface PrivatePostgres {
  adminUrl: string;
  restart(): void;
  /** Stops the server but keeps its data, for an outage; `up` starts it again. */
  down(): void;
  up(): void;
  stop(): void;
}

function pgBin(name: string): string {
  const newest = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b)).at(-1) ?? '15';
  return path.join('/usr/lib/postgresql', newest, 'bin', name);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-pg-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root, so as root it runs as the postgres user.
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  const asOwner = (cmd: string, args: string[]): void => {
    if (root) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' });
    else execFileSync(cmd, args, { stdio: 'ignore' });
  };
  const data = path.join(dir, 'data');
  asOwner(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`;
  const ctl = (...args: string[]): void => asOwner(pgBin('pg_ctl'), ['-D', data, '-o', options, '-w', '-l', path.join(dir, 'log'), ...args]);
  ctl('start');
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('-m', 'fast', 'restart'),
    down: () => ctl('-m', 'fast', 'stop'),
    up: () => ctl('start'),
    stop: () => {
      try {
        ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
