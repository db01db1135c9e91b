import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Client } from 'pg';

import { freePort, startLoopbackSshd, type LoopbackSshd } from '../scripts/lib/loopbackSshd';
import { startStack, type Stack } from '../scripts/lib/stack';
import { lockBenchDatabase } from './benchLock';
import { type BenchContext, createBenchPool, registerCatalog, sshArgs } from './context';
import { benchConcurrency } from './items/concurrency';
import { benchConsole } from './items/console';
import { benchDispatch } from './items/dispatch';
import { benchHistory, defaultHistory, type HistoryOptions } from './items/history';
import { benchLatency } from './items/latency';
import { benchManyOnOne } from './items/manyOnOne';
import { benchMemory } from './items/memory';
import { benchNaive } from './items/naive';
import { benchPipeline } from './items/pipeline';
import { benchTakeover } from './items/takeover';
import { CpuAccount, formatMs, median, runCommand } from './measure';
import { describeMachine, describeTree, type ItemOutput, renderReport, renderTable } from './report';
import { writeBenchScripts } from './scripts';

/**
 * `npm run bench [-- --only=pipeline,latency|scale] [--skip=memory] [--memory-mib=1024] [--profile-worker]
 * [--node-flag=--max-semi-space-size=4] [--stack-env=MALLOC_ARENA_MAX=2] [--history-executions=1000000 --history-lines=50000000 --history-keep]`:
 * brings the real stack up (Temporal dev server, PostgreSQL database `migrator_bench`, worker and
 * API processes, an OpenSSH server on loopback), measures each item against a baseline taken in
 * the same run, prints the table and writes it to bench/RESULTS.md.
 */

const say = (line: string): void => console.log(`bench | ${line}`);

/**
 * In the order they run: the memory item goes right after the warm-up, before the big runs grow
 * the heaps; takeover last, as it adds a second worker and kills one of the two. `history` (tens of
 * minutes, ~15 GB of disk) runs only when named in --only.
 */
const itemNames = ['dispatch', 'memory', 'pipeline', 'naive', 'latency', 'concurrency', 'console', 'history', 'many', 'takeover'] as const;
type ItemName = (typeof itemNames)[number];

/**
 * Names for several items at once. `scale`: the items of issue 16 (dispatch; concurrency with
 * the single execution it is measured against; many on one worker; two workers; history).
 */
const itemGroups: Record<string, ItemName[]> = {
  scale: ['dispatch', 'pipeline', 'concurrency', 'many', 'takeover', 'history'],
};

interface Options {
  items: ItemName[];
  memoryBytes: number;
  profileWorker: boolean;
  /** Extra node flags and environment for the worker and API processes, for experiments. */
  nodeFlags: string[];
  stackEnv: Record<string, string>;
  /** The sessions' bash sources the user's ~/.bashrc (here `pyenv init`), as on a host with slow login files. */
  userLoginFiles: boolean;
  history: HistoryOptions;
}

function parseArgs(argv: string[]): Options {
  const list = (value: string): ItemName[] => {
    const names = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .flatMap((name) => itemGroups[name] ?? [name]);
    for (const name of names) {
      if (!(itemNames as readonly string[]).includes(name)) {
        throw new Error(`Unknown item "${name}"; items are ${itemNames.join(', ')}, and ${Object.keys(itemGroups).join(', ')} for several.`);
      }
    }
    return names as ItemName[];
  };
  let only: ItemName[] = itemNames.filter((n) => n !== 'history');
  let skip: ItemName[] = [];
  let memoryMiB = 1024;
  let profileWorker = false;
  let userLoginFiles = false;
  const nodeFlags: string[] = [];
  const stackEnv: Record<string, string> = {};
  const history = { ...defaultHistory };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? '' : arg.slice(eq + 1);
    if (key === '--only') only = list(value);
    else if (key === '--skip') skip = list(value);
    else if (key === '--memory-mib' && /^\d+$/.test(value) && Number(value) > 0) memoryMiB = Number(value);
    else if (key === '--profile-worker') profileWorker = true;
    else if (key === '--user-login-files') userLoginFiles = true;
    else if (key === '--history-executions' && /^\d+$/.test(value) && Number(value) >= 100) history.executions = Number(value);
    else if (key === '--history-lines' && /^\d+$/.test(value) && Number(value) >= 1000) history.lines = Number(value);
    else if (key === '--history-keep') history.keep = true;
    else if (key === '--node-flag' && value.startsWith('--')) nodeFlags.push(value);
    else if (key === '--stack-env' && /^[A-Z_][A-Z0-9_]*=/.test(value)) stackEnv[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
    else {
      throw new Error(
        `Unknown argument ${arg}; use --only=a,b (or ${Object.keys(itemGroups).join(', ')}) --skip=a,b --memory-mib=N --profile-worker --user-login-files --history-executions=N --history-lines=N --history-keep --node-flag=--x=y --stack-env=NAME=value ` +
          `(items: ${itemNames.join(', ')}).`,
      );
    }
  }
  return {
    items: itemNames.filter((n) => only.includes(n) && !skip.includes(n)),
    memoryBytes: memoryMiB * 2 ** 20,
    profileWorker,
    nodeFlags,
    stackEnv,
    userLoginFiles,
    history,
  };
}

async function runItem(name: ItemName, ctx: BenchContext, out: ItemOutput, options: Options): Promise<void> {
  switch (name) {
    case 'dispatch':
      return benchDispatch(ctx, out);
    case 'memory':
      return benchMemory(ctx, out, options.memoryBytes);
    case 'pipeline':
      return benchPipeline(ctx, out);
    case 'naive':
      return benchNaive(ctx, out);
    case 'latency':
      return benchLatency(ctx, out);
    case 'concurrency':
      return benchConcurrency(ctx, out);
    case 'console':
      return benchConsole(ctx, out);
    case 'many':
      return benchManyOnOne(ctx, out);
    case 'takeover':
      return benchTakeover(ctx, out);
    case 'history':
      return benchHistory(ctx, out, options.history);
  }
}

/** Removes the run directories (tombstones) this bench's executions left under ~/.migrator/runs. */
async function removeRunDirs(ctx: BenchContext): Promise<void> {
  const { rows } = await ctx.db.query<{ id: string }>('select id from executions');
  const runs = path.join(os.homedir(), '.migrator', 'runs');
  for (const { id } of rows) rmSync(path.join(runs, id), { recursive: true, force: true });
}

/** What one SSH exec costs here before the command runs: the login shell sourcing ~/.bashrc, and a whole `ssh … true`. */
async function measureSessionCost(sshd: LoopbackSshd): Promise<{ bashrcMs: number; sshTrueMs: number; sshdCpuMs: number }> {
  const bashrc: number[] = [];
  const sshTrue: number[] = [];
  for (let i = 0; i < 5; i++) bashrc.push((await runCommand('bash', ['-c', '[ -f ~/.bashrc ] && . ~/.bashrc; true'])).ms);
  // The server side of an exec: sshd's session processes and the login shell, reaped by the listener.
  const cpu = new CpuAccount([{ name: 'sshd', pids: () => [sshd.pid], withChildren: true }]);
  for (let i = 0; i < 5; i++) sshTrue.push((await runCommand('ssh', sshArgs(sshd, 'true'))).ms);
  const sshdCpuMs = (cpu.stop().groups[0]!.seconds * 1000) / 5;
  return { bashrcMs: median(bashrc), sshTrueMs: median(sshTrue), sshdCpuMs };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const t0 = performance.now();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/migrator_bench';
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-bench-'));
  const out: ItemOutput = { rows: [], notes: [], shared: {} };
  const errors: string[] = [];
  say(`items: ${options.items.join(', ') || '(none)'}; work dir ${workDir}`);

  let lock: Client | undefined;
  let sshd: LoopbackSshd | undefined;
  let stack: Stack | undefined;
  let ctx: BenchContext | undefined;
  let machine: string[] = [];
  let stopping = false;
  let sessionCost = { bashrcMs: Number.NaN, sshTrueMs: Number.NaN, sshdCpuMs: Number.NaN };
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (ctx) {
      await ctx.db.query('truncate log_lines').catch((err: unknown) => say(`could not truncate log_lines: ${String(err)}`));
      await removeRunDirs(ctx).catch(() => undefined);
      await ctx.db.end().catch(() => undefined);
    }
    await stack?.stop();
    await sshd?.stop();
    await lock?.end().catch(() => undefined);
  };
  process.once('SIGINT', () => {
    say('interrupted; stopping the stack...');
    void cleanup().finally(() => process.exit(130));
  });

  try {
    lock = await lockBenchDatabase(databaseUrl);
    sshd = await startLoopbackSshd({ baseDir: path.join(workDir, 'sshd'), userLoginFiles: options.userLoginFiles });
    say(`SSH: sshd on ${sshd.host}:${sshd.port} (pid ${sshd.pid})`);
    const scripts = writeBenchScripts(path.join(workDir, 'scripts'));
    stack = await startStack(say, {
      databaseUrl,
      workDir,
      temporal: 'own',
      // The bench's own token, whatever MIGRATOR_ADMIN_TOKEN a shell may carry.
      adminToken: randomBytes(24).toString('hex'),
      port: await freePort(),
      sshKeyDir: sshd.dir,
      env: options.stackEnv,
      nodeFlags: options.nodeFlags,
      ...(options.profileWorker ? { workerNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${path.join(workDir, 'profiles')}`] } : {}),
    });
    const db = createBenchPool(databaseUrl);
    ctx = { stack, sshd, scripts, db, workDir, say, ...(await registerCatalog(stack, sshd, scripts)) };
    const context = ctx;
    machine = [
      describeTree(path.resolve(__dirname, '..')),
      ...(await describeMachine(async () => (await context.db.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v)),
    ];
    await db.query('truncate log_lines');

    // Warm-up, not measured: JIT, the SSH connection pool, the API's LISTEN connection.
    say('warm-up: one execution of one line...');
    await ctx.api.waitSucceeded(await ctx.api.start(ctx.jobs.one, ctx.environmentId, {}), 1);
    const sshCheck = execFileSync('ssh', sshArgs(sshd, 'echo ok')).toString().trim();
    if (sshCheck !== 'ok') throw new Error(`Plain ssh to the loopback sshd answered ${JSON.stringify(sshCheck)}.`);
    sessionCost = await measureSessionCost(sshd);

    for (const name of options.items) {
      const itemStart = performance.now();
      try {
        await runItem(name, ctx, out, options);
        say(`${name}: done in ${((performance.now() - itemStart) / 1000).toFixed(1)} s`);
      } catch (err) {
        const message = `${name}: ${err instanceof Error ? err.message : String(err)}`;
        errors.push(message);
        say(`FAILED ${message}`);
        await ctx.db.query('truncate log_lines').catch(() => undefined);
      }
    }
  } catch (err) {
    errors.push(`setup: ${err instanceof Error ? err.message : String(err)}`);
    say(`FAILED setup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    say('stopping the stack and sshd...');
    await cleanup();
  }

  const durationSeconds = (performance.now() - t0) / 1000;
  out.rows.sort((a, b) => Number(a.item) - Number(b.item));
  out.notes.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  out.notes.push(
    `Stack: a headless Temporal dev server of the bench's own (fresh database file), PostgreSQL database ${new URL(databaseUrl).pathname.slice(1)} ` +
      `(log_lines truncated before each item and at the end), worker and API started by the launcher of \`npm run dev\` and \`npm run demo\` (node with tsx's loader), ` +
      `an OpenSSH server on 127.0.0.1 with fresh keys; scripts are node programs in a temp dir run by that sshd as ${os.userInfo().username}.`,
    options.userLoginFiles
      ? `Every SSH exec starts a login shell: sshd runs bash, which sources ~/.bashrc (--user-login-files), which runs \`pyenv init\` here ` +
          `(sourcing it took ${formatMs(sessionCost.bashrcMs)} in this run; a whole \`ssh … true\` ${formatMs(sessionCost.sshTrueMs)}, medians of 5, ` +
          `and ${formatMs(sessionCost.sshdCpuMs)} of CPU on the server side, sshd and the shell, on average). ` +
          `Migrator pays it on each of its SSH round trips; the ssh baselines pay it once. With many at once, \`pyenv rehash\` contends for one lock file and spins.`
      : `The bench's sshd starts each session's bash without the user's ~/.bashrc (sshd SetEnv SHLVL=1), as on a host with plain login files; ` +
          `here ~/.bashrc runs \`pyenv init\`, ${formatMs(sessionCost.bashrcMs)} to source (median of 5), whose \`pyenv rehash\` spins on one lock file when ` +
          `dozens of sessions start at once (\`--user-login-files\` measures with it). A whole \`ssh … true\` took ${formatMs(sessionCost.sshTrueMs)}, ` +
          `${formatMs(sessionCost.sshdCpuMs)} of CPU on the server side.`,
    `Order of the run: warm-up execution, then ${options.items.join(', ')}.`,
  );
  if (options.nodeFlags.length || Object.keys(options.stackEnv).length) {
    out.notes.push(`Not the default stack: worker and API ran with node flags [${options.nodeFlags.join(' ')}] and environment ${JSON.stringify(options.stackEnv)}.`);
  }
  if (!options.profileWorker) rmSync(workDir, { recursive: true, force: true });
  else out.notes.push(`Worker CPU profile: ${path.join(workDir, 'profiles')}.`);

  const table = renderTable(out.rows);
  console.log(`\n${table}\n`);
  for (const error of errors) console.log(`ERROR ${error}`);
  const report = renderReport({ command, startedAt, durationSeconds, machine, rows: out.rows, notes: out.notes, errors });
  const resultsFile = path.join(__dirname, 'RESULTS.md');
  writeFileSync(resultsFile, report);
  say(`whole run ${(durationSeconds / 60).toFixed(1)} min; written to ${resultsFile}`);
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench | failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
