import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

import { Connection } from '@temporalio/client';

import { freePort } from './loopbackSshd';
import { stopChild } from './processes';

/** Custom search attributes every execution sets; registered on dev servers at start. */
export const searchAttributes: Record<string, 'Keyword' | 'Bool'> = {
  MigrationJob: 'Keyword',
  MigrationSource: 'Keyword',
  MigrationEnvironment: 'Keyword',
  MigrationStartedBy: 'Keyword',
  MigrationProduction: 'Bool',
};

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

/** Finds or builds the Temporal CLI (see scripts/temporal-cli.sh). */
export function temporalCliPath(): string {
  const script = path.resolve(__dirname, '..', 'temporal-cli.sh');
  return execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
}

async function waitUntilServing(address: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`The Temporal dev server at ${address} did not come up: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Starts `temporal server start-dev` on free loopback ports; `ui` adds the web UI. */
export async function startDevServer(
  options: { ui?: boolean; uiPort?: number; dbFilename?: string; port?: number } = {},
): Promise<DevServer> {
  const cli = temporalCliPath();
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : null;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--namespace', 'default'];
  if (uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const [name, type] of Object.entries(searchAttributes)) args.push('--search-attribute', `${name}=${type}`);
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, Date.now() + 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${stderr}`);
  }
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    pid: child.pid ?? 0,
    stop: () => stopChild(child),
  };
}
