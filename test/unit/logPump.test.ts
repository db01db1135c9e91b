import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

import type { Pool } from 'pg';
import type { ClientChannel } from 'ssh2';

import { LogPump } from '../../src/logs/logPump';

/** A tail channel: emits `data` when told to, and records pause/resume. */
function fakeChannel() {
  const channel = Object.assign(new EventEmitter(), {
    stderr: new EventEmitter(),
    pause: jest.fn(),
    resume: jest.fn(),
    close: jest.fn(),
  });
  return channel;
}

/**
 * A pool whose transactions run the real `appendBatch` SQL sequence; the position update waits
 * for `slow` (PostgreSQL lagging behind), and COPY rows are counted.
 */
function laggingPool(slow: () => Promise<void>) {
  const stored = { rows: 0 };
  const client = {
    on: () => undefined,
    off: () => undefined,
    release: () => undefined,
    query(query: unknown) {
      if (typeof query === 'string') {
        if (query.trimStart().startsWith('update executions')) return slow().then(() => ({ rowCount: 1 }));
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
    const stdout = fakeChannel();
    const stderr = fakeChannel();
    const closed = [pump.attach('stdout', stdout as unknown as ClientChannel), pump.attach('stderr', stderr as unknown as ClientChannel)];

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
    expect(stderr.pause).toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 50));
    expect(stdout.resume).not.toHaveBeenCalled();

    catchUp();
    await pump.drain();
    expect(stored.rows).toBe(sentWhenPaused);
    expect(stdout.resume).toHaveBeenCalled();
    expect(stderr.resume).toHaveBeenCalled();

    pump.close();
    stdout.emit('close', 0);
    stderr.emit('close', 0);
    await Promise.all(closed);
  });

  test('when the pending-bytes high-water mark is an option, then reading pauses at that mark', () => {
    const { pool } = laggingPool(() => new Promise<void>(() => undefined));
    const pump = new LogPump(pool, 'execution-2', { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 }, { highWaterBytes: 1024 * 1024 });
    const stdout = fakeChannel();
    void pump.attach('stdout', stdout as unknown as ClientChannel);
    const line = Buffer.from(`${'z'.repeat(64 * 1024 - 1)}\n`);
    let sent = 0;
    while (stdout.pause.mock.calls.length === 0 && sent < 400) {
      stdout.emit('data', line);
      sent += 1;
    }
    expect(sent).toBe(16);
    pump.close();
  });
});
