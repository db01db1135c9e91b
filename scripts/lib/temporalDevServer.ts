import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { searchAttributeKeys, searchAttributeRegistrations } from '../../src/temporal/searchAttributes';
import { freePort } from './loopbackSshd';
import { stopChild } from './processes';

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

/**
 * Registers the executions' search attributes a namespace lacks, and returns their names.
 * `start-dev --search-attribute` registers them only when its database file is new, and a
 * server found running may predate some of them: without them Temporal refuses every start.
 */
export async function registerSearchAttributes(address: string, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.values(searchAttributeKeys).filter((key) => customAttributes?.[key.name] === undefined);
    if (missing.length > 0) {
      const types = temporal.api.enums.v1.IndexedValueType;
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((key) => [key.name, types[`INDEXED_VALUE_TYPE_${key.type}`]])),
      });
    }
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` on free loopback ports; `ui` adds the web UI. */
export async function startDevServer(
  options: {
    ui?: boolean;
    uiPort?: number;
    dbFilename?: string;
    port?: number;
    /** The UI decodes payloads through this codec endpoint (Migrator's API at `/codec`). */
    codecEndpoint?: string;
  } = {},
): Promise<DevServer> {
  const cli = temporalCliPath();
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : null;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--namespace', 'default'];
  if (uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (options.dbFilename) {
    // SQLite's defaults (a rollback journal, a full sync per commit) made each history write
    // wait for the disk: with 50 executions at once a write took over a second, and a task
    // whose start History recorded that late was never delivered (temporalio/temporal#11733),
    // waiting out its timeout. A write-ahead log synced at checkpoints survives the process
    // being killed, which is all the restart tests and `npm run dev` need of it.
    args.push('--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (uiPort && options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  // The executions' search attributes; the dev server's SQLite visibility holds 10 Keyword and 3 Bool per namespace.
  for (const { name, type } of searchAttributeRegistrations()) args.push('--search-attribute', `${name}=${type}`);
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, Date.now() + 60_000);
    await registerSearchAttributes(address);
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
