import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { runMigrations } from '../../src/db/migrate';
import { freePort } from './loopbackSshd';
import { stopChild } from './processes';
import { startDevServer, type DevServer } from './temporalDevServer';

export const cacheDir = path.join(process.env.MIGRATOR_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'migrator'));
const repoRoot = path.resolve(__dirname, '..', '..');

export interface Stack {
  apiUrl: string;
  adminToken: string;
  temporalAddress: string;
  temporalUiUrl: string;
  logDir: string;
  stop(): Promise<void>;
}

export type Say = (line: string) => void;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Creates the database of DATABASE_URL when it does not exist yet (local use only). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`Cannot reach PostgreSQL at ${url.host} (${(err as Error).message}); start it or set DATABASE_URL.`);
  }
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * Brings up what is missing for local use: a Temporal dev server with its UI (unless
 * TEMPORAL_ADDRESS is set or one already answers on 7233), the database and its migrations,
 * then the worker and the API as separate processes, their logs in `logDir`. `sshKeyDir`
 * becomes their SSH_KEY_DIR.
 */
export async function startStack(say: Say, options: { port?: number; sshKeyDir?: string } = {}): Promise<Stack> {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/migrator';
  const logDir = path.join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  let devServer: DevServer | undefined;
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalUiUrl = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  if (!temporalAddress) {
    if (await portOpen(7233)) {
      temporalAddress = '127.0.0.1:7233';
      say('Temporal: using the server already listening on 127.0.0.1:7233');
    } else {
      say('Temporal: starting a dev server (the first run builds the Temporal CLI; that takes a few minutes)...');
      const fixedPorts = !(await portOpen(8233));
      devServer = await startDevServer({
        ui: true,
        ...(fixedPorts ? { port: 7233, uiPort: 8233 } : {}),
        dbFilename: path.join(cacheDir, 'temporal-dev.db'),
      });
      temporalAddress = devServer.address;
      temporalUiUrl = devServer.uiUrl ?? temporalUiUrl;
      say(`Temporal: dev server on ${temporalAddress}, UI at ${temporalUiUrl}`);
    }
  }

  say(`PostgreSQL: preparing ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`);
  await ensureDatabase(databaseUrl);
  const applied = await runMigrations(databaseUrl);
  say(`PostgreSQL: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);

  const adminToken = process.env.MIGRATOR_ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : await freePort());
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_URL: temporalUiUrl,
    MIGRATOR_ADMIN_TOKEN: adminToken,
    PORT: String(port),
    // The loopback sshd's directory holds the key its environments name.
    ...(options.sshKeyDir ? { SSH_KEY_DIR: options.sshKeyDir } : {}),
  };
  const children: ChildProcess[] = [];
  for (const role of ['worker', 'api'] as const) {
    const log = createWriteStream(path.join(logDir, `${role}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(repoRoot, 'src', role, 'main.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
    say(`${role}: started (pid ${child.pid}), log in ${path.join(logDir, `${role}.log`)}`);
  }
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(apiUrl, children, logDir);
  say(`api: ready on ${apiUrl}`);

  return {
    apiUrl,
    adminToken,
    temporalAddress,
    temporalUiUrl,
    logDir,
    async stop() {
      await Promise.all(children.map((child) => stopChild(child)));
      await devServer?.stop();
    },
  };
}

/** Waits for the API's /readyz, failing early when a Migrator process exits at start. */
export async function waitUntilReady(apiUrl: string, children: ChildProcess[], logDir: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = children.find((c) => c.exitCode !== null);
    if (exited) throw new Error(`A Migrator process exited at start (code ${exited.exitCode}); see ${logDir}.`);
    const ready = await fetch(`${apiUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`The API did not become ready on ${apiUrl}; see ${logDir}.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
