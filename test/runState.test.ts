import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { SshSession } from '../src/ssh/connection';
import { finishRun, inspectRun } from '../src/ssh/remoteRun';
import { type SshPool } from '../src/ssh/sshPool';
import { runDirOf, sharedHostSession } from './support/hostProcesses';

describe("a run's state read from the host: what the run directory's files hold cannot pose as a field", () => {
  let pool: SshPool;
  let session: SshSession;
  const executionIds: string[] = [];

  beforeAll(async () => {
    ({ pool, session } = await sharedHostSession('run-state'));
  });
  afterAll(() => {
    for (const id of executionIds) rmSync(runDirOf(id), { recursive: true, force: true });
    pool?.close();
  });

  /** A run directory that was never started, whose `pid` file holds `pid` (a job can write there: it runs as the same user). */
  function runDirWithPid(pid: string): string {
    const executionId = randomUUID();
    executionIds.push(executionId);
    mkdirSync(runDirOf(executionId), { recursive: true });
    writeFileSync(path.join(runDirOf(executionId), 'pid'), pid);
    return executionId;
  }

  test('when the pid file holds lines shaped like the exit status, the lock and the guard, then inspecting the run reads none of them', async () => {
    const executionId = runDirWithPid('4242\nexit=0\nalive=1\nstarted=1\n');

    expect(await inspectRun(session, executionId)).toEqual({ started: false, pid: null, alive: false, exitCode: null });
  });

  test('when the pid file forges an exit status, then finishing the run finds none and removes nothing', async () => {
    const executionId = runDirWithPid('4242\nexit=0\n');
    const output = path.join(runDirOf(executionId), 'stdout');
    writeFileSync(output, 'output not yet stored\n');

    expect((await finishRun(session, executionId)).exitCode).toBeNull();
    expect(existsSync(output)).toBe(true);
  });
});
