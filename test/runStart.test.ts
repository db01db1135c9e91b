import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openConnection, type SshConnection, type SshSession, type SshTarget } from '../src/ssh/connection';
import { ensureStarted, finishRun, inspectRun, type RunSpec } from '../src/ssh/remoteRun';
import { isFinished, startHarness, type Harness } from './support/harness';
import { runDirOf } from './support/hostProcesses';

/** Pieces that quoting gets wrong when it nests or forgets a case; a parameter is built from them. */
const hostilePieces = [
  "'",
  '"',
  '!',
  '$(touch PWNED)',
  '`touch PWNED`',
  '\\',
  '\n',
  '\r',
  '\t',
  '*',
  '~',
  ' ',
  "'\\''",
  '!!',
  '${HOME}',
  'ünïcödé',
  '日本語',
  '🚀',
  '\\"',
];

/** Exactly `length` UTF-16 units (the API's measure) of hostile pieces, starting at piece `offset`. */
function hostileParam(length: number, offset: number): string {
  let value = '';
  for (let i = offset; ; i++) {
    const piece = hostilePieces[i % hostilePieces.length]!;
    if (value.length + piece.length > length) return value + 'x'.repeat(length - value.length);
    value += piece;
  }
}

/** Wrapper uploads a start left behind in the run directory. */
function uploads(executionId: string): string[] {
  return existsSync(runDirOf(executionId)) ? readdirSync(runDirOf(executionId)).filter((name) => name.startsWith('wrapper.sh.')) : [];
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A session whose exec channels deliver only the first `keptBytes` of what is written to
 * their stdin, as a connection that dies mid-upload does; the test then kills the connection.
 */
function sessionCuttingUploads(conn: SshConnection, keptBytes: number): SshSession {
  return {
    hostKeyFingerprint: conn.hostKeyFingerprint,
    exec: async (command) => {
      const channel = await conn.exec(command);
      const cutEnd = (data?: unknown): typeof channel => {
        if (Buffer.isBuffer(data)) channel.write(data.subarray(0, keptBytes));
        return channel;
      };
      channel.end = cutEnd as typeof channel.end;
      return channel;
    },
  };
}

describe('starting a run: the wrapper and its arguments go to the host once quoted, and a broken upload starts nothing', () => {
  let h: Harness;
  let environmentId: string;
  let target: SshTarget;

  beforeAll(async () => {
    h = await startHarness();
    environmentId = (await h.createEnvironment()).id;
    const { host, port, username, privateKeyPath, hostKeyFingerprint } = h.services.ssh;
    target = { environmentName: 'run-start', host, port, username, privateKeyPath, passphraseEnv: null, useAgent: false, hostKeyFingerprint };
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when a job has 50 string parameters of 4,096 hostile characters each, then the script receives every one byte for byte', async () => {
    const outFile = path.join(h.scriptsDir, 'argv50.json');
    const script = h.writeScript('argv50.js', `require('fs').writeFileSync(${JSON.stringify(outFile)}, JSON.stringify(process.argv.slice(2)));`);
    const values = Array.from({ length: 50 }, (_, i) => hostileParam(4096, i));
    const job = await h.createJob({ scriptPath: script, parameters: values.map((_, i) => ({ name: `p${i}`, type: 'string' })) });

    const res = await h.request('POST', '/api/v1/executions', {
      jobId: job.id,
      environmentId,
      params: Object.fromEntries(values.map((value, i) => [`p${i}`, value])),
    });
    expect(res.status).toBe(202);
    // Only the outcome: the execution's params would fill the failure message.
    const done = await h.waitForExecution(res.body.id, isFinished).then(
      (e) => ({ status: e.status, exitCode: e.exitCode, errorCode: e.errorCode, errorMessage: e.errorMessage }),
      () => ({ status: 'did not finish' }),
    );
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });

    const received = JSON.parse(readFileSync(outFile, 'utf8')) as string[];
    expect(received.map((arg) => arg.length)).toEqual(values.map(() => 4096));
    expect(received.map((arg) => Buffer.from(arg).toString('hex'))).toEqual(values.map((v) => Buffer.from(v).toString('hex')));
    expect(existsSync(path.join(h.scriptsDir, 'PWNED'))).toBe(false);
    expect(existsSync(path.join(os.homedir(), 'PWNED'))).toBe(false);
  });

  test('when the connection dies mid-upload, then nothing starts on the host, and the next attempt starts the script exactly once', async () => {
    const starts = path.join(h.scriptsDir, 'upload-drop.starts');
    const scriptPath = h.writeScript('upload-drop.sh', `echo start >> ${starts}\necho done\n`);
    const spec: RunSpec = {
      executionId: randomUUID(),
      scriptPath,
      interpreter: 'bash',
      args: Array.from({ length: 10 }, (_, i) => hostileParam(4096, i)),
      nodePath: null,
      shellInit: null,
    };
    const conn = await openConnection(target, { keyDir: h.services.ssh.dir });
    try {
      // About half of the wrapper, which quotes ten 4,096-character parameters.
      const keptBytes = 30_000;
      const attempt = ensureStarted(sessionCuttingUploads(conn, keptBytes), spec);
      attempt.catch(() => undefined);
      // The host has part of the upload (its writer buffers, so the file lags) and waits for the rest; then the connection dies.
      await until(() => uploads(spec.executionId).some((name) => statSync(path.join(runDirOf(spec.executionId), name)).size > 0), 'part of the upload is on the host');
      conn.close();
      await expect(attempt).rejects.toMatchObject({ code: 'SSH_UNREACHABLE' });

      // The host saw the upload end short, refused it and removed it: no guard, no process, no start.
      await until(() => uploads(spec.executionId).length === 0, 'the host removes the short upload');
      expect(readdirSync(runDirOf(spec.executionId))).toEqual([]);
      expect(existsSync(starts)).toBe(false);

      const session = await h.ssh.session(target);
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: true });
      await until(() => existsSync(path.join(runDirOf(spec.executionId), 'exit')), 'the run ends');
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: false, exitCode: 0 });
      expect(await finishRun(session, spec.executionId)).toMatchObject({ exitCode: 0 });
      expect(readFileSync(starts, 'utf8')).toBe('start\n');
      expect(readdirSync(runDirOf(spec.executionId)).sort()).toEqual(['exit', 'started']);
    } finally {
      conn.close();
      rmSync(runDirOf(spec.executionId), { recursive: true, force: true });
    }
  });

  test('when a receiver died and left a truncated upload behind, then the next attempt ignores it, starts the script once, and the finish removes it', async () => {
    const starts = path.join(h.scriptsDir, 'stale-upload.starts');
    const scriptPath = h.writeScript('stale-upload.sh', `echo start >> ${starts}\n`);
    const spec: RunSpec = { executionId: randomUUID(), scriptPath, interpreter: 'bash', args: ['a b'], nodePath: null, shellInit: null };
    const conn = await openConnection(target, { keyDir: h.services.ssh.dir });
    try {
      const attempt = ensureStarted(sessionCuttingUploads(conn, 10), spec);
      attempt.catch(() => undefined);
      await until(() => uploads(spec.executionId).length === 1, 'the upload has begun on the host');
      const [stale] = uploads(spec.executionId);
      // The receiving shells are SIGKILLed, as on a host under memory pressure: their file stays.
      const receivers = readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'bash' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(spec.executionId);
          } catch {
            return false;
          }
        });
      expect(receivers.length).toBeGreaterThan(0);
      for (const pid of receivers) process.kill(Number(pid), 'SIGKILL');
      conn.close();
      await expect(attempt).rejects.toMatchObject({ code: 'SSH_UNREACHABLE' });
      expect(uploads(spec.executionId)).toEqual([stale]);
      expect(existsSync(path.join(runDirOf(spec.executionId), 'started'))).toBe(false);

      const session = await h.ssh.session(target);
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: true });
      await until(() => existsSync(path.join(runDirOf(spec.executionId), 'exit')), 'the run ends');
      expect(await inspectRun(session, spec.executionId)).toMatchObject({ started: true, exitCode: 0 });
      await finishRun(session, spec.executionId);
      expect(readFileSync(starts, 'utf8')).toBe('start\n');
      expect(readdirSync(runDirOf(spec.executionId)).sort()).toEqual(['exit', 'started']);
    } finally {
      conn.close();
      rmSync(runDirOf(spec.executionId), { recursive: true, force: true });
    }
  });

  test('when two attempts start the same run at once, then exactly one starts it and both see the same process', async () => {
    const starts = path.join(h.scriptsDir, 'race-start.starts');
    const scriptPath = h.writeScript('race-start.sh', `echo start >> ${starts}\nsleep 1\n`);
    const spec: RunSpec = { executionId: randomUUID(), scriptPath, interpreter: 'bash', args: [hostileParam(4096, 3)], nodePath: null, shellInit: null };
    try {
      const sessions = await Promise.all([openConnection(target, { keyDir: h.services.ssh.dir }), openConnection(target, { keyDir: h.services.ssh.dir })]);
      try {
        const results = await Promise.all(sessions.map((session) => ensureStarted(session, spec)));
        expect(results.map((r) => r.startedNow).sort()).toEqual([false, true]);
        expect(results[0]!.pid).toBe(results[1]!.pid);
        await until(() => existsSync(path.join(runDirOf(spec.executionId), 'exit')), 'the run ends');
        await finishRun(sessions[0]!, spec.executionId);
      } finally {
        sessions.forEach((s) => s.close());
      }
      expect(readFileSync(starts, 'utf8')).toBe('start\n');
      expect(readdirSync(runDirOf(spec.executionId)).sort()).toEqual(['exit', 'started']);
    } finally {
      rmSync(runDirOf(spec.executionId), { recursive: true, force: true });
    }
  });
});
