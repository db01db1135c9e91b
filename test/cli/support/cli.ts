import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { newestSource } from '../../../scripts/lib/consoleBuild';

const cliDir = path.resolve(__dirname, '..', '..', '..', 'cli');
/** The installed entry point, as `npx migrator` and `npm install -g` run it. */
export const cliBin = path.join(cliDir, 'bin', 'migrator.js');

/**
 * Bundles the CLI when cli/dist is missing or older than its sources or the API client's, so the
 * tests run the code as it is (`npm run build` builds it too). Called once, from globalSetup.
 */
export function ensureCliBuilt(): void {
  const bundle = path.join(cliDir, 'dist', 'migrator.js');
  const sources = Math.max(newestSource(path.join(cliDir, 'src')), newestSource(path.resolve(cliDir, '..', 'packages', 'api-client', 'src')), statSync(path.join(cliDir, 'build.mjs')).mtimeMs);
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  execFileSync('npm', ['run', 'build', '-w', '@migrator/cli', '--silent'], { cwd: path.dirname(cliDir), stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, then closed; stdin is closed at once without it. */
  input?: string;
}

/** A fresh, private XDG_CONFIG_HOME. */
export function configHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'migrator-cli-config-'));
}

/** The parent's environment without anything that would configure the CLI. */
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('MIGRATOR_') || key === 'XDG_CONFIG_HOME') delete env[key];
  return env;
}

/** A running CLI whose output is collected; `done` resolves when it exits. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [cliBin, ...args], { env: { ...baseEnv(), ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Resolves once `predicate` holds for the output so far; rejects after `timeoutMs`. */
export async function waitForOutput(cli: RunningCli, predicate: (out: { stdout: string; stderr: string }) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate({ stdout: cli.stdout(), stderr: cli.stderr() })) {
    if (Date.now() > deadline) throw new Error(`CLI output did not arrive in time.\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CLI on a pseudo-terminal, through util-linux `script` (a native pty module does not build
 * here): stdin, stdout and stderr are the terminal, what the test writes to `child.stdin` is
 * typed on it (`\x03` is Ctrl-C), and everything shown lands in `stdout()`.
 */
export function startCliOnTerminal(args: string[], options: CliOptions = {}): RunningCli {
  // `exec`: script runs the command with $SHELL -c, and a shell left waiting in the terminal's
  // foreground group (dash does not exec a lone command) dies of the Ctrl-C the CLI handles.
  const command = `exec ${[process.execPath, cliBin, ...args].map(shellQuote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { ...baseEnv(), TERM: 'xterm', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}
