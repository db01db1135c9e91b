import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { stopChild } from '../../scripts/lib/processes';

/** An API or worker running as its own OS process, so a crash shows as an exited process. */
export interface MigratorProcess {
  role: 'api' | 'worker';
  child: ChildProcess;
  /** What it printed (stdout and stderr, the last 2 MiB). */
  output(): string;
  /** Fails the test with the process's last output when it is no longer running. */
  expectRunning(): void;
  /** Peak resident memory so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const keptOutput = 2 * 1024 * 1024;

export function startMigratorProcess(role: 'api' | 'worker', env: Record<string, string>): MigratorProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', '..', 'src', role, 'main.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-keptOutput);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    role,
    child,
    output: () => output,
    expectRunning() {
      if (!running()) {
        throw new Error(`The ${role} process exited (code ${child.exitCode}, signal ${child.signalCode}); its last output:\n${output.slice(-4000)}`);
      }
    },
    peakRssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
      if (!kib) throw new Error(`No VmHWM in /proc/${child.pid}/status`);
      return Number(kib) * 1024;
    },
    async waitForOutput(text, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        this.expectRunning();
        if (Date.now() > deadline) throw new Error(`The ${role} process did not print "${text}" in time; its output:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => stopChild(child),
  };
}
