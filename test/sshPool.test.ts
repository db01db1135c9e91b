import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ClientChannel } from 'ssh2';

import { startLoopbackSshd, type LoopbackSshd } from '../scripts/lib/loopbackSshd';
import { openConnection, type SshSession, type SshTarget } from '../src/ssh/connection';
import { channelExit, execCollect, openChannel } from '../src/ssh/exec';
import { ensureStarted, followOutput, inspectRun, killRun, type RunSpec, stopFollowing } from '../src/ssh/remoteRun';
import { SshPool } from '../src/ssh/sshPool';

/** sshd's per-connection session limit in this file: small, so the tests reach it cheaply. */
const maxSessions = 3;

describe('SSH connection pool against a real sshd with MaxSessions 3', () => {
  let sshd: LoopbackSshd;
  let target: SshTarget;
  const pools: SshPool[] = [];

  function newPool(options: Omit<ConstructorParameters<typeof SshPool>[0], 'keyDir'> = {}): SshPool {
    const pool = new SshPool({ keyDir: sshd.dir, ...options });
    pools.push(pool);
    return pool;
  }

  /** The per-connection sshd processes: the listener's children. */
  function sessionProcesses(): number[] {
    try {
      return execFileSync('pgrep', ['-P', String(sshd.pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Processes other than sshd's own below the listener, zombies included: the commands of open
   * sessions. sshd frees a session's slot when it reaps the session's command, so once none is
   * left every slot is free.
   */
  function sessionCommands(): string[] {
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm=']).toString().trim().split('\n');
    const procs = rows.map((row) => row.trim().split(/\s+/)).map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm ?? '' }));
    const below = new Set([sshd.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of procs) {
        if (below.has(p.ppid) && !below.has(p.pid)) {
          below.add(p.pid);
          grew = true;
        }
      }
    }
    return procs.filter((p) => p.pid !== sshd.pid && below.has(p.pid) && !p.comm.startsWith('sshd')).map((p) => `${p.pid} ${p.comm}`);
  }

  /** A channel that stays open until a line is written to it, then echoes it. */
  async function heldChannel(pool: SshPool): Promise<ClientChannel> {
    const session = await pool.session(target);
    return openChannel(session, 'read line; echo "got $line"');
  }

  /** The run spec of a bash script with `body`, for `use`; the run is killed and the script removed afterwards. */
  async function withRunOf(session: SshSession, body: string, use: (spec: RunSpec) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-pool-'));
    const scriptPath = path.join(dir, 'script.sh');
    writeFileSync(scriptPath, body);
    const spec: RunSpec = { executionId: randomUUID(), scriptPath, interpreter: 'bash', args: [], nodePath: null, shellInit: null };
    try {
      await use(spec);
    } finally {
      await killRun(session, spec.executionId, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function releaseChannel(channel: ClientChannel, line: string): Promise<string> {
    let out = '';
    channel.on('data', (d: Buffer) => (out += d.toString()));
    channel.stderr.resume();
    const exit = channelExit(channel);
    channel.end(`${line}\n`);
    expect(await exit).toMatchObject({ code: 0 });
    return out.trim();
  }

  beforeAll(async () => {
    sshd = await startLoopbackSshd({ maxSessions });
    target = {
      environmentName: 'pool-test',
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      passphraseEnv: null,
      useAgent: false,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    };
  });
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  test('when commands run one after another and side by side, then they all share one connection', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    for (let i = 0; i < 3; i++) {
      expect((await execCollect(await pool.session(target), `echo seq${i}`)).stdout).toBe(`seq${i}\n`);
    }
    const parallel = await Promise.all([0, 1, 2].map(async (i) => execCollect(await pool.session(target), `echo par${i}`)));
    expect(parallel.map((r) => r.stdout)).toEqual(['par0\n', 'par1\n', 'par2\n']);
    expect(pool.stats().opened).toBe(1);
  });

  test('when more channels are open than MaxSessions allows, then channels are counted and spread over just enough connections', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    const channels = await Promise.all(Array.from({ length: 7 }, () => heldChannel(pool)));
    const stats = pool.stats();
    expect(stats.opened).toBe(3);
    expect(stats.connections.map((c) => c.channels).sort()).toEqual([1, 3, 3]);

    const outputs = await Promise.all(channels.map((c, i) => releaseChannel(c, `line ${i}`)));
    expect(outputs).toEqual(channels.map((_, i) => `got line ${i}`));
    await until(() => pool.stats().connections.every((c) => c.channels === 0), 'every channel is released');
  });

  test('when the pool expects more sessions than the server allows, then the refusal is learned and the channel moves to another connection', async () => {
    const pool = newPool({ maxSessionsPerConnection: 10 });
    const channels = await Promise.all(Array.from({ length: 5 }, () => heldChannel(pool)));
    const stats = pool.stats();
    expect(stats.opened).toBe(2);
    expect(stats.connections.map((c) => c.capacity)).toContain(maxSessions);

    const outputs = await Promise.all(channels.map((c, i) => releaseChannel(c, `x${i}`)));
    expect(outputs).toEqual(channels.map((_, i) => `got x${i}`));
  });

  test('when followers are stopped before the run ends, then they end on the host and their session slots are free again', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    const session = await pool.session(target);
    await withRunOf(session, 'echo started\nsleep 120\n', async (spec) => {
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: true, alive: true });
      // The start's session too is freed only once sshd reaped its command.
      await until(() => sessionCommands().length === 0, 'the start\'s session ends on the host');
      const followers = await Promise.all([0, 1, 2].map(() => followOutput(session, spec.executionId, { stdout: 0, stderr: 0 })));
      const ended = followers.map(({ channel }) => {
        channel.resume();
        channel.stderr.resume();
        return channelExit(channel);
      });
      for (const { channel } of followers) stopFollowing(channel);
      await Promise.all(ended);
      // sshd frees a session when it reaps its command, not when the channel closes: each tail sees
      // its reader gone at its next poll (0.2 s), so on a busy machine it may outlive the close.
      await until(() => sessionCommands().length === 0, 'the followers end on the host');
      // Had the tails stayed on the host, they would hold all three sessions and these would be refused.
      const again = await Promise.all([0, 1, 2].map(() => execCollect(session, 'echo again')));
      expect(again.map((r) => r.stdout)).toEqual(['again\n', 'again\n', 'again\n']);
      expect(pool.stats().opened).toBe(1);
      expect(await inspectRun(session, spec.executionId)).toMatchObject({ alive: true });
    });
  });

  test('when the follower opens before the run is started, then it waits for it and gets all of both streams on one channel, then ends with it', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    const session = await pool.session(target);
    await withRunOf(session, 'echo first\necho oops >&2\nsleep 0.3\necho last\n', async (spec) => {
      const { channel, start } = await followOutput(session, spec.executionId, { stdout: 0, stderr: 0 });
      let stdout = '';
      let stderr = '';
      channel.on('data', (d: Buffer) => (stdout += d.toString()));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = channelExit(channel);
      // Long enough for the follower to be waiting on the host before the run directory exists.
      await new Promise((r) => setTimeout(r, 500));
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: true });
      expect(await exit).toEqual({ code: 0, signal: null });
      // One channel, each stream opened by the follower's start line (after any login-file noise).
      expect(stdout.slice(stdout.indexOf(`${start}\n`) + start.length + 1)).toBe('first\nlast\n');
      expect(stderr.slice(stderr.indexOf(`${start}\n`) + start.length + 1)).toBe('oops\n');
      expect(await inspectRun(session, spec.executionId)).toMatchObject({ started: true, alive: false, exitCode: 0 });
    });
  });

  test('when a follower is stopped while nobody reads it (paused for a lagging database) and data waits in it, then it still closes', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    const session = await pool.session(target);
    await withRunOf(session, 'yes "a line of output that fills the window" | head -n 200000\nsleep 120\n', async (spec) => {
      const { channel } = await followOutput(session, spec.executionId, { stdout: 0, stderr: 0 });
      // Never read: what arrives stays in the channel, as when the pump paused it.
      const exit = channelExit(channel);
      expect(await ensureStarted(session, spec)).toMatchObject({ startedNow: true });
      await until(() => channel.readableLength > 0 && channel.readableLength >= channel.readableHighWaterMark, 'output waits unread in the channel');
      stopFollowing(channel);
      const closed = await Promise.race([exit.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 15 s'), 15_000))]);
      expect(closed).toBe('closed');
      await killRun(session, spec.executionId, 1);
    });
  });

  test('when the connection is dropped, then the next command gets a new connection', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions });
    const session = await pool.session(target);
    expect((await execCollect(session, 'echo before')).stdout).toBe('before\n');
    execFileSync('pkill', ['-KILL', '-P', String(sshd.pid)]);
    await until(() => pool.stats().connections.length === 0, 'the pool notices the dead connection');

    expect((await execCollect(session, 'echo after')).stdout).toBe('after\n');
    expect(pool.stats().opened).toBe(2);
  });

  test('when the server stops answering (keepalives unanswered), then the connection is given up and replaced', async () => {
    const pool = newPool({
      maxSessionsPerConnection: maxSessions,
      open: (t) => openConnection(t, { keyDir: sshd.dir, keepaliveIntervalMs: 300 }),
    });
    const session = await pool.session(target);
    expect((await execCollect(session, 'echo before')).stdout).toBe('before\n');
    const frozen = sessionProcesses();
    expect(frozen.length).toBeGreaterThan(0);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      await until(() => pool.stats().connections.length === 0, 'keepalive gives the frozen connection up');
      expect((await execCollect(session, 'echo after')).stdout).toBe('after\n');
      expect(pool.stats().opened).toBe(2);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGKILL');
    }
  });

  test('when a connection has carried no channel for the idle timeout, then it is closed', async () => {
    const pool = newPool({ maxSessionsPerConnection: maxSessions, idleTimeoutMs: 200 });
    await execCollect(await pool.session(target), 'true');
    expect(pool.stats().connections).toHaveLength(1);
    await until(() => pool.stats().connections.length === 0, 'the idle connection is closed', 5_000);
    await until(() => sessionProcesses().length === 0, 'sshd sees the connection closed', 5_000);
  });

  test('when the host key does not match, then the session fails before any channel opens', async () => {
    const pool = newPool();
    await expect(pool.session({ ...target, hostKeyFingerprint: `SHA256:${'B'.repeat(43)}` })).rejects.toMatchObject({
      code: 'HOST_KEY_MISMATCH',
    });
    expect(pool.stats().connections).toHaveLength(0);
  });
});
