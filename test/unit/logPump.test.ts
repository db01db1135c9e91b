import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

import type { Pool } from 'pg';
import type { ClientChannel } from 'ssh2';

import { toTemporalFailure } from '../../src/activities/failures';
import { MigratorError } from '../../src/errors';
import { createCommitGate } from '../../src/logs/commitGate';
import { LogPump } from '../../src/logs/logPump';

/** A tail channel: emits `data` when told to, and records pause/resume. */
function fakeChannel() {
  const channel = Object.assign(new EventEmitter(), {
    stderr: Object.assign(new EventEmitter(), { pause: jest.fn(), resume: jest.fn() }),
    pause: jest.fn(),
    resume: jest.fn(),
    close: jest.fn(),
  });
  return channel;
}

/** Emits lines on `channel` (numbered short ones unless given) until the pump pauses it or `limit`; returns how many. */
function linesUntilPaused(channel: ReturnType<typeof fakeChannel>, limit: number, line = (n: number) => Buffer.from(`line ${n}\n`)): number {
  let sent = 0;
  while (channel.pause.mock.calls.length === 0 && sent < limit) channel.emit('data', line(++sent));
  return sent;
}

const start = 'migrator-follow-test';

/** A follower on a fake channel whose two streams have passed their start lines. */
function follower() {
  const channel = fakeChannel();
  return {
    channel,
    follower: { channel: channel as unknown as ClientChannel, start },
    opened() {
      channel.emit('data', Buffer.from(`${start}\n`));
      channel.stderr.emit('data', Buffer.from(`${start}\n`));
      return this;
    },
  };
}

/**
 * A pool whose transactions run the real `appendBatch` SQL sequence; the position update waits
 * for `slow` (PostgreSQL lagging behind), and COPY rows are counted.
 */
function laggingPool(slow: () => Promise<void>, positionMatches = true) {
  const stored = { rows: 0, commits: 0 };
  const client = {
    on: () => undefined,
    off: () => undefined,
    release: () => undefined,
    query(query: unknown) {
      if (typeof query === 'string') {
        if (query.trimStart().startsWith('update executions')) {
          stored.commits += 1;
          return slow().then(() => ({ rowCount: positionMatches ? 1 : 0 }));
        }
        return Promise.resolve({ rowCount: 0 });
      }
      // COPY: node-postgres returns the submitted stream itself.
      return new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const byte of chunk) if (byte === 0x0a) stored.rows += 1;
          done();
        },
      });
    },
  };
  return { pool: { connect: async () => client } as unknown as Pool, stored };
}

describe('LogPump', () => {
  test('when PostgreSQL lags behind a script printing 64 KiB lines, then reading pauses by bytes well before 20,000 lines and resumes once the backlog is stored', async () => {
    let catchUp!: () => void;
    const lagging = new Promise<void>((resolve) => (catchUp = resolve));
    const { pool, stored } = laggingPool(() => lagging);
    const pump = new LogPump(pool, 'execution-1', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 });
    const f = follower();
    const closed = pump.attach(f.follower);
    f.opened();
    const stdout = f.channel;

    const line = Buffer.from(`${'y'.repeat(64 * 1024 - 1)}\n`);
    let sentWhenPaused: number | undefined;
    for (let sent = 1; sent <= 400; sent++) {
      stdout.emit('data', line);
      if (stdout.pause.mock.calls.length > 0) {
        sentWhenPaused = sent;
        break;
      }
    }
    // 8 MiB of 64 KiB lines is 128 lines; 20,000 would be 1.25 GiB.
    expect(sentWhenPaused).toBeDefined();
    expect(sentWhenPaused!).toBeLessThanOrEqual(129);
    expect(stdout.stderr.pause).toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 50));
    expect(stdout.resume).not.toHaveBeenCalled();

    catchUp();
    await pump.drain();
    expect(stored.rows).toBe(sentWhenPaused);
    expect(stdout.resume).toHaveBeenCalled();
    expect(stdout.stderr.resume).toHaveBeenCalled();

    pump.close();
    stdout.emit('close', 0);
    expect(await closed).toBe(0);
  });

  test('when the pending-bytes high-water mark is an option, then reading pauses at that mark', () => {
    const { pool } = laggingPool(() => new Promise<void>(() => undefined));
    const pump = new LogPump(pool, 'execution-2', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { highWaterBytes: 1024 * 1024 });
    const f = follower();
    void pump.attach(f.follower);
    const stdout = f.opened().channel;
    const line = Buffer.from(`${'z'.repeat(64 * 1024 - 1)}\n`);
    expect(linesUntilPaused(stdout, 400, () => line)).toBe(16);
    pump.close();
  });

  test('when the commit gate is taken by other runs, then lines arriving meanwhile wait and go in one commit when this pump gets its turn', async () => {
    const { pool, stored } = laggingPool(() => Promise.resolve());
    const gate = createCommitGate(1);
    let release!: () => void;
    const otherRun = gate(() => new Promise<void>((resolve) => (release = resolve)));
    const pump = new LogPump(pool, 'execution-3', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { gate, minFlushIntervalMs: 5 });
    const f = follower();
    void pump.attach(f.follower);
    const stdout = f.opened().channel;
    for (let i = 1; i <= 10; i++) {
      stdout.emit('data', Buffer.from(`line ${i}\n`));
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(stored.commits).toBe(0);
    release();
    await otherRun;
    expect(await pump.drain()).toMatchObject({ lastSeq: 10 });
    expect(stored).toEqual({ rows: 10, commits: 1 });

    // Ungated, the same pacing commits line by line.
    const alone = laggingPool(() => Promise.resolve());
    const ungatedPump = new LogPump(alone.pool, 'execution-4', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { minFlushIntervalMs: 5 });
    const g = follower();
    void ungatedPump.attach(g.follower);
    const channel = g.opened().channel;
    for (let i = 1; i <= 10; i++) {
      channel.emit('data', Buffer.from(`line ${i}\n`));
      await new Promise((r) => setTimeout(r, 15));
    }
    await ungatedPump.drain();
    expect(alone.stored.rows).toBe(10);
    expect(alone.stored.commits).toBeGreaterThan(5);
    pump.close();
    ungatedPump.close();
  });

  test('when many runs queue for the commit gate, then each pump pauses at its share of the backlog (never under a batch) and resumes and stores everything once the queue clears', async () => {
    const gate = createCommitGate(1);
    expect(gate.share()).toBe(1);
    const releases: (() => void)[] = [];
    const others = Array.from({ length: 4 }, () => gate(() => new Promise<void>((resolve) => releases.push(resolve))));
    // Four queued for the one place.
    expect(gate.share()).toBe(0.25);

    const { pool, stored } = laggingPool(() => Promise.resolve());
    const options = { gate, maxBatch: 100, highWater: 2000, minFlushIntervalMs: 5 };
    const pump = new LogPump(pool, 'execution-7', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, options);
    const f = follower();
    void pump.attach(f.follower);
    const stdout = f.opened().channel;
    const sent = linesUntilPaused(stdout, 3000);
    // A quarter of 2,000; alone it would read on to 2,000.
    expect(sent).toBe(500);

    // The queue clears: the others commit one by one, then this pump stores all it holds and reads on.
    while (releases.length > 0 || gate.share() < 1) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(others);
    expect(await pump.drain()).toMatchObject({ lastSeq: 500 });
    expect(stored.rows).toBe(500);
    expect(stdout.resume).toHaveBeenCalled();

    // With the gate to itself, the full mark applies.
    const alone = new LogPump(laggingPool(() => new Promise<void>(() => undefined)).pool, 'execution-8', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, options);
    const g = follower();
    void alone.attach(g.follower);
    expect(linesUntilPaused(g.opened().channel, 3000)).toBe(2000);
    pump.close();
    alone.close();
  });

  test('when fifty runs queue for a gate of four, then a pump still holds a full batch (or 1 MiB) before it pauses, not 4/50 of its marks', () => {
    const gate = createCommitGate(4);
    for (let i = 0; i < 50; i++) void gate(() => new Promise<void>(() => undefined));
    expect(gate.share()).toBeCloseTo(4 / 50);
    const { pool } = laggingPool(() => Promise.resolve());
    const pump = new LogPump(pool, 'execution-9', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { gate });
    const f = follower();
    void pump.attach(f.follower);
    expect(linesUntilPaused(f.opened().channel, 30_000)).toBe(5000);
    pump.close();

    // By bytes, 4/50 of 8 MiB would be 0.64 MiB: the floor of 1 MiB holds, sixteen lines of 64 KiB.
    const wide = new LogPump(pool, 'execution-10', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { gate });
    const g = follower();
    void wide.attach(g.follower);
    const line = Buffer.from(`${'w'.repeat(64 * 1024 - 1)}\n`);
    expect(linesUntilPaused(g.opened().channel, 400, () => line)).toBe(16);
    wide.close();
  });

  test('when the host\'s login files print before the follower starts, then only what follows each stream\'s start line is stored, the start line split across chunks', async () => {
    const { pool } = laggingPool(() => Promise.resolve());
    const f = follower();
    const committed: string[] = [];
    const watched = new LogPump(pool, 'execution-5', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { onCommitted: (lines) => committed.push(...lines.map((l) => `${l.stream}:${l.text}`)) });
    void watched.attach(f.follower);
    f.channel.emit('data', Buffer.from(`Welcome to pyenv\nmotd without newline ${start.slice(0, 7)}`));
    f.channel.emit('data', Buffer.from(`${start.slice(7)}\nfirst\n`));
    f.channel.stderr.emit('data', Buffer.from(`bashrc: warning\n${start}\noops\n`));
    f.channel.emit('data', Buffer.from('second\n'));
    await watched.drain();
    expect(committed.filter((l) => l.startsWith('stdout'))).toEqual(['stdout:first', 'stdout:second']);
    expect(committed.filter((l) => l.startsWith('stderr'))).toEqual(['stderr:oops']);
    expect(watched.bytesReceived('stdout')).toBe('first\nsecond\n'.length);
    expect(watched.bytesReceived('stderr')).toBe('oops\n'.length);
    watched.close();
  });

  test('when the stored position moved under this attempt (a late commit of an attempt already given up), then the pump fails with a CONFLICT that Temporal retries', async () => {
    const { pool } = laggingPool(() => Promise.resolve(), false);
    const pump = new LogPump(pool, 'execution-6', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 });
    const f = follower();
    void pump.attach(f.follower);
    f.opened().channel.emit('data', Buffer.from('late\n'));
    const failure = await pump.drain().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MigratorError);
    expect(failure).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(f.channel.close).toHaveBeenCalled();
    expect(toTemporalFailure(failure)).toMatchObject({ type: 'CONFLICT', nonRetryable: false });
    expect(toTemporalFailure(new MigratorError('CONFLICT', 'a real conflict'))).toMatchObject({ nonRetryable: true });
  });
});
