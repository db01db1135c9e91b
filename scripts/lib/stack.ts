import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { runMigrations } from '../../src/db/migrate';
import { freePort } from './loopbackSshd';
import { stopChild } from './processes';
import { registerSearchAttributes, startDevServer, type DevServer } from './temporalDevServer';

export const cacheDir = path.join(process.env.MIGRATOR_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'migrator'));
const repoRoot = path.resolve(__dirname, '..', '..');
export const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/migrator';

/** A running Migrator: its worker and API processes, and the Temporal dev server when it started one. */
export interface Stack {
  apiUrl: string;
  adminToken: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The Temporal UI, or null when the Temporal server in use has none this stack knows of. */
  temporalUiUrl: string | null;
  /** True when this stack started the Temporal dev server, so it (and its UI) stops with it. */
  ownsTemporal: boolean;
  logDir: string;
  /** The node processes running `src/worker/main.ts` and `src/api/main.ts`. */
  workerPid: number;
  apiPid: number;
  /** The Temporal dev server this stack started, or null. */
  temporalPid: number | null;
  /**
   * Starts one more worker process on the same database, Temporal and task queue (its log in
   * `<logDir>/<name>.log`); it stops with the stack. Resolves once it logged `worker started`.
   */
  addWorker(name: string): Promise<StackProcess>;
  stop(): Promise<void>;
}

/** A Migrator process the stack started. */
export interface StackProcess {
  pid: number;
  child: ChildProcess;
  log: string;
}

export type Say = (line: string) => void;

export interface StackOptions {
  /** DATABASE_URL, or the default local database. */
  databaseUrl?: string;
  /**
   * `shared` (dev, demo): the server on 127.0.0.1:7233 when one answers, else a dev server with
   * its UI on 7233/8233 whose history is kept in the cache directory. `own` (bench): always a
   * headless dev server of its own on free ports with a fresh database file in `workDir`, so it
   * shares no task queue or schedule with anyone's `npm run dev`. TEMPORAL_ADDRESS wins over both.
   */
  temporal?: 'shared' | 'own';
  /** Where the logs go (`logs/`) and an own Temporal server keeps its database; the cache directory by default. */
  workDir?: string;
  /** The API's port; PORT, or a free one. */
  port?: number;
  /** MIGRATOR_ADMIN_TOKEN, or a random one. */
  adminToken?: string;
  /** Becomes the processes' SSH_KEY_DIR (the loopback sshd's directory holds the key its environments name). */
  sshKeyDir?: string;
  /** More environment for the worker and the API. */
  env?: Record<string, string>;
  /** Node flags for the worker and the API, and for the worker only (e.g. --cpu-prof). */
  nodeFlags?: string[];
  workerNodeFlags?: string[];
}

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

/** Creates the database of `databaseUrl` when it does not exist yet (local use only). */
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
 * MIGRATOR_PAYLOAD_KEYS, or the key of this machine's dev stacks: made once into the cache
 * directory (0600), so payloads written by one `npm run dev` or demo still read in the next.
 */
export function devPayloadKeys(): string {
  if (process.env.MIGRATOR_PAYLOAD_KEYS) return process.env.MIGRATOR_PAYLOAD_KEYS;
  const file = path.join(cacheDir, 'payload-keys');
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

async function startTemporal(
  say: Say,
  mode: 'shared' | 'own',
  workDir: string,
  codecEndpoint: string,
): Promise<{ address: string; uiUrl: string | null; server?: DevServer }> {
  const fromEnv = process.env.TEMPORAL_ADDRESS;
  if (fromEnv) {
    say(`Temporal: using TEMPORAL_ADDRESS=${fromEnv}`);
    return { address: fromEnv, uiUrl: process.env.TEMPORAL_UI_URL ?? (mode === 'own' ? null : 'http://127.0.0.1:8233') };
  }
  if (mode === 'own') {
    say('Temporal: starting a headless dev server of its own on free ports...');
    const server = await startDevServer({ dbFilename: path.join(workDir, 'temporal-dev.db') });
    say(`Temporal: dev server on ${server.address} (pid ${server.pid})`);
    return { address: server.address, uiUrl: null, server };
  }
  if (await portOpen(7233)) {
    say('Temporal: using the server already listening on 127.0.0.1:7233');
    // It may predate some of the executions' search attributes, without which every start fails.
    const added = await registerSearchAttributes('127.0.0.1:7233').catch((err: unknown) => {
      say(`Temporal: could not check its search attributes (${String(err)}); register those of src/temporal/searchAttributes.ts if starts fail`);
      return [];
    });
    if (added.length > 0) say(`Temporal: registered the search attributes ${added.join(', ')}`);
    return { address: '127.0.0.1:7233', uiUrl: process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233' };
  }
  say('Temporal: starting a dev server (the first run builds the Temporal CLI; that takes a few minutes)...');
  const fixedPorts = !(await portOpen(8233));
  const server = await startDevServer({
    ui: true,
    codecEndpoint,
    ...(fixedPorts ? { port: 7233, uiPort: 8233 } : {}),
    dbFilename: path.join(workDir, 'temporal-dev.db'),
  });
  say(`Temporal: dev server on ${server.address}, UI at ${server.uiUrl}`);
  return { address: server.address, uiUrl: server.uiUrl, server };
}

/**
 * Brings up what is missing: Temporal (see `temporal`), the database and its migrations, then
 * the worker and the API as separate node processes of this checkout, their logs in
 * `<workDir>/logs`. `npm run dev`, `npm run demo` and `npm run bench` all start Migrator here.
 */
export async function startStack(say: Say, options: StackOptions = {}): Promise<Stack> {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? defaultDatabaseUrl;
  const workDir = options.workDir ?? cacheDir;
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const children: ChildProcess[] = [];
  let devServer: DevServer | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopChild(child)));
    await devServer?.stop();
  };
  try {
    const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : await freePort());
    const temporal = await startTemporal(say, options.temporal ?? 'shared', workDir, `http://127.0.0.1:${port}/codec`);
    devServer = temporal.server;

    say(`PostgreSQL: preparing ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`);
    await ensureDatabase(databaseUrl);
    const applied = await runMigrations(databaseUrl);
    say(`PostgreSQL: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);

    const adminToken = options.adminToken ?? process.env.MIGRATOR_ADMIN_TOKEN ?? randomBytes(24).toString('hex');
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      ...(temporal.uiUrl ? { TEMPORAL_UI_URL: temporal.uiUrl } : {}),
      MIGRATOR_ADMIN_TOKEN: adminToken,
      MIGRATOR_PAYLOAD_KEYS: devPayloadKeys(),
      PORT: String(port),
      ...(options.sshKeyDir ? { SSH_KEY_DIR: options.sshKeyDir } : {}),
      ...options.env,
    };
    const launch = (role: 'worker' | 'api', name: string): StackProcess => {
      const logFile = path.join(logDir, `${name}.log`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const script = path.join(repoRoot, 'src', role, 'main.ts');
      const nodeFlags = [...(options.nodeFlags ?? []), ...(role === 'worker' ? (options.workerNodeFlags ?? []) : [])];
      // node itself with tsx's loader (not tsx's launcher), so the pid is the process doing the
      // work; run in this checkout, so `tsx` and everything else resolve from it.
      const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      children.push(child);
      say(`${name}: started (pid ${child.pid}), log in ${logFile}`);
      return { pid: child.pid ?? 0, child, log: logFile };
    };
    const pids = { worker: launch('worker', 'worker').pid, api: launch('api', 'api').pid };
    const apiUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(apiUrl, children, logDir);
    say(`api: ready on ${apiUrl}`);
    return {
      apiUrl,
      adminToken,
      databaseUrl,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      ownsTemporal: devServer !== undefined,
      logDir,
      workerPid: pids.worker,
      apiPid: pids.api,
      temporalPid: devServer?.pid ?? null,
      async addWorker(name) {
        const worker = launch('worker', name);
        await waitForLog(worker, 'worker started');
        return worker;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
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

/** Waits until a process's log holds `text`, failing if it exits first. */
async function waitForLog(started: StackProcess, text: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) throw new Error(`The process ${started.pid} exited at start; see ${started.log}.`);
    if (existsSync(started.log) && readFileSync(started.log, 'utf8').includes(text)) return;
    if (Date.now() > deadline) throw new Error(`The process ${started.pid} did not log "${text}" in time; see ${started.log}.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
