import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { SshSession } from '../src/ssh/connection';
import { ensureStarted, killRun, type RunSpec } from '../src/ssh/remoteRun';
import { type SshPool } from '../src/ssh/sshPool';
import { runDirOf, sharedHostSession } from './support/hostProcesses';

/** Fields of /proc/<pid>/stat by their number in proc(5), counted after the command name; null once the process is gone. */
function statField(pid: number, field: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[field - 3] ?? null;
  } catch {
    return null;
  }
}

/** True while a non-zombie process with this pid exists on the host (this machine). */
function processAlive(pid: number): boolean {
  const state = statField(pid, 3);
  return state !== null && state !== 'Z';
}

function startTimeOf(pid: number): number {
  return Number(statField(pid, 22));
}

/** A run directory as a run that ended long ago leaves it while its cancel is still pending. */
function staleRunDir(pid: number, startTime: number | null): string {
  const executionId = randomUUID();
  mkdirSync(path.join(runDirOf(executionId), 'started'), { recursive: true });
  if (startTime !== null) writeFileSync(path.join(runDirOf(executionId), 'starttime'), `${startTime}\n`);
  writeFileSync(path.join(runDirOf(executionId), 'pid'), `${pid}\n`);
  return executionId;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Its own session leader and process group: what a recycled id may name on a busy host. */
function unrelatedGroup(command: string[]): ChildProcess {
  const child = spawn('setsid', command, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return child;
}

const children: ChildProcess[] = [];
const strayPids: number[] = [];

describe('killRun against the real loopback host: only the run, never a group that reused its id', () => {
  let pool: SshPool;
  let session: SshSession;
  const executionIds: string[] = [];

  beforeAll(async () => {
    ({ pool, session } = await sharedHostSession('kill-run'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const pid of strayPids.splice(0)) {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const id of executionIds.splice(0)) rmSync(runDirOf(id), { recursive: true, force: true });
  });
  afterAll(() => {
    pool?.close();
  });

  test('when pid names a live process group that started after the recorded start time (the id was reused), then killRun leaves it alive', async () => {
    const stranger = unrelatedGroup(['sleep', '600']);
    const pid = stranger.pid!;
    await until(() => statField(pid, 5) === String(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 'the stranger leads its group');
    const executionId = staleRunDir(pid, startTimeOf(pid) - 100);
    executionIds.push(executionId);

    expect(await killRun(session, executionId, 0)).toEqual({ killed: false });
    expect(processAlive(pid)).toBe(true);
  });

  test("when the group's leader is gone and its live member started before the recorded start time, then killRun leaves it alive", async () => {
    // The leader prints its child's pid and exits; the child stays in the leader's group.
    const leader = unrelatedGroup(['bash', '-c', 'sleep 600 & echo $!']);
    const pgid = leader.pid!;
    const member = await new Promise<number>((resolve) => leader.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    strayPids.push(member);
    await until(() => !processAlive(pgid), 'the leader has exited');
    expect(statField(member, 5)).toBe(String(pgid));
    const executionId = staleRunDir(pgid, startTimeOf(member) + 1);
    executionIds.push(executionId);

    expect(await killRun(session, executionId, 0)).toEqual({ killed: false });
    expect(processAlive(member)).toBe(true);
  });

  test('when the wrapper was SIGKILLed and its job runs on as an orphan of the group, then killRun still kills the job', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-kill-'));
    const jobPidFile = path.join(dir, 'job.pid');
    const scriptPath = path.join(dir, 'job.sh');
    // Ignores TERM, so only the KILL round ends it.
    writeFileSync(scriptPath, `trap '' TERM\necho $$ > ${jobPidFile}\nwhile :; do sleep 1; done\n`);
    const spec: RunSpec = { executionId: randomUUID(), scriptPath, interpreter: 'bash', args: [], nodePath: null, shellInit: null };
    executionIds.push(spec.executionId);
    try {
      const { pid: wrapper } = await ensureStarted(session, spec);
      expect(wrapper).not.toBeNull();
      await until(() => existsSync(jobPidFile) && readFileSync(jobPidFile, 'utf8').endsWith('\n'), 'the job records its pid');
      const job = Number(readFileSync(jobPidFile, 'utf8'));
      strayPids.push(job);
      // The wrapper recorded its own start time, which the kill goes by.
      expect(Number(readFileSync(path.join(runDirOf(spec.executionId), 'starttime'), 'utf8'))).toBe(startTimeOf(wrapper!));
      expect(startTimeOf(job)).toBeGreaterThanOrEqual(startTimeOf(wrapper!));

      process.kill(wrapper!, 'SIGKILL');
      await until(() => !processAlive(wrapper!), 'the wrapper is dead');
      expect(processAlive(job)).toBe(true);

      expect(await killRun(session, spec.executionId, 1)).toEqual({ killed: true });
      expect(processAlive(job)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when a run started before start times were recorded (no starttime file), then killRun kills its whole group as before', async () => {
    const group = unrelatedGroup(['sleep', '600']);
    const pid = group.pid!;
    await until(() => statField(pid, 5) === String(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 'the process leads its group');
    const executionId = staleRunDir(pid, null);
    executionIds.push(executionId);

    expect(await killRun(session, executionId, 0)).toEqual({ killed: true });
    await until(() => !processAlive(pid), 'the group is dead');
  });
});
