import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { runMigrations } from '../src/db/migrate';
import { freePort } from '../scripts/lib/loopbackSshd';
import { stopChild } from '../scripts/lib/processes';
import { ensureDatabase, type Say, waitUntilReady } from '../scripts/lib/stack';
import { startDevServer, type DevServer } from '../scripts/lib/temporalDevServer';

const repoRoot = path.resolve(__dirname, '..');

/** The stack of `scripts/lib/stack.ts`, plus the pids of the node processes doing the work. */
export interface BenchStack {
  apiUrl: string;
  adminToken: string;
  databaseUrl: string;
  temporalAddress: string;
  logDir: string;
  /** The node process running `src/worker/main.ts` (tsx's child, not the tsx launcher). */
  workerPid: number;
  /** The node process running `src/api/main.ts`. */
  apiPid: number;
  /** The Temporal dev server the bench started, or null when TEMPORAL_ADDRESS pointed elsewhere. */
  temporalPid: number | null;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  databaseUrl: string;
  workDir: string;
  /** Node flags for the worker only (e.g. --cpu-prof). */
  workerNodeFlags?: string[];
  /** Node flags for the worker and the API. */
  nodeFlags?: string[];
  /** Extra environment for the worker and the API. */
  env?: Record<string, string>;
}

/** Pids whose parent is `parent`, from /proc (this kernel has no /proc/<pid>/task/<tid>/children). */
function childPids(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces or parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** tsx's CLI runs the script in a child node process; that child is the one whose memory counts. */
async function scriptPid(launcher: ChildProcess, script: string, deadline: number): Promise<number> {
  for (;;) {
    for (const pid of childPids(launcher.pid ?? -1)) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg.endsWith(script))) return pid;
    }
    if (Date.now() > deadline) throw new Error(`No node process runs ${script} under tsx pid ${launcher.pid}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Brings the stack up like `startStack` of scripts/lib/stack.ts, with two differences: the
 * Temporal dev server is always its own (free ports, headless, a fresh database file), so the
 * bench never shares a task queue or the retention schedule with anyone's `npm run dev`; and
 * it returns the pids of the worker and API node processes.
 */
export async function startBenchStack(say: Say, options: BenchStackOptions): Promise<BenchStack> {
  const { databaseUrl, workDir } = options;
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  let devServer: DevServer | undefined;
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopChild(child)));
    await devServer?.stop();
  };
  try {
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (temporalAddress) {
      say(`Temporal: using TEMPORAL_ADDRESS=${temporalAddress}`);
    } else {
      say('Temporal: starting a headless dev server of its own on free ports...');
      devServer = await startDevServer({ dbFilename: path.join(workDir, 'temporal-dev.db') });
      temporalAddress = devServer.address;
      say(`Temporal: dev server on ${temporalAddress} (pid ${devServer.pid})`);
    }

    say(`PostgreSQL: preparing ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`);
    await ensureDatabase(databaseUrl);
    const applied = await runMigrations(databaseUrl);
    say(`PostgreSQL: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);

    const adminToken = randomBytes(24).toString('hex');
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      MIGRATOR_ADMIN_TOKEN: adminToken,
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...options.env,
    };
    const pids: Record<'worker' | 'api', number> = { worker: 0, api: 0 };
    for (const role of ['worker', 'api'] as const) {
      const log = createWriteStream(path.join(logDir, `${role}.log`), { flags: 'a' });
      const script = path.join(repoRoot, 'src', role, 'main.ts');
      // tsx hands node flags placed before the script to the node process it starts.
      const nodeFlags = [...(options.nodeFlags ?? []), ...(role === 'worker' ? (options.workerNodeFlags ?? []) : [])];
      const child = spawn(process.execPath, [require.resolve('tsx/cli'), ...nodeFlags, script], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      children.push(child);
      pids[role] = await scriptPid(child, script, Date.now() + 30_000);
      say(`${role}: started (node pid ${pids[role]}, tsx launcher ${child.pid}), log in ${path.join(logDir, `${role}.log`)}`);
    }
    const apiUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(apiUrl, children, logDir);
    say(`api: ready on ${apiUrl}`);
    return { apiUrl, adminToken, databaseUrl, temporalAddress, logDir, workerPid: pids.worker, apiPid: pids.api, temporalPid: devServer?.pid ?? null, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
