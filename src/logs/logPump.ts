import type { Pool } from 'pg';
import type { ClientChannel } from 'ssh2';

import { appendBatch, type ProgressMark, type ReadPosition, type StoredLine } from '../db/logStore';
import { coerceError } from '../errors';
import type { OutputStream } from '../model/execution';
import { type Follower, pauseFollower, resumeFollower, stopFollowing } from '../ssh/remoteRun';
import { type CommitGate, ungated } from './commitGate';
import { LineSplitter } from './lineSplitter';

export interface LogPumpOptions {
  /** Flush when this many lines wait. */
  maxBatch?: number;
  /**
   * At most one commit per this many ms while output flows; a line arriving after a quiet
   * spell is committed at once. Bounds commits (and WAL flushes) per execution without making
   * a lone line wait.
   */
  minFlushIntervalMs?: number;
  /** Stop reading from SSH while this many lines wait for PostgreSQL (the full mark; see `backlogFull`). */
  highWater?: number;
  /**
   * Stop reading from SSH while this many bytes of output wait for PostgreSQL (received and not
   * yet committed), whatever the line count: 20,000 lines of 64 KiB would be over 1 GiB. The
   * full mark, as `highWater`: less while many pumps queue for the gate.
   */
  highWaterBytes?: number;
  /** Shared by the pumps of a process: how many of their commits may run at once. */
  gate?: CommitGate;
  /** Called with every committed line, e.g. to report the last one. */
  onCommitted?: (lines: StoredLine[], position: ReadPosition) => void;
}

const streamOffsetKey = { stdout: 'stdoutOffset', stderr: 'stderrOffset' } as const;

const progressLine = /^::progress (\d{1,15})\/(\d{1,15})\s*$/;

/** The last well-formed `::progress <done>/<total>` line of a batch (total > 0, done <= total). */
export function lastProgressMark(lines: StoredLine[]): ProgressMark | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.stream !== 'stdout' || !line.text.startsWith('::progress ')) continue;
    const match = progressLine.exec(line.text);
    if (!match) continue;
    const done = Number(match[1]);
    const total = Number(match[2]);
    if (total > 0 && done <= total) return { done, total };
  }
  return null;
}

interface PendingLine extends StoredLine {
  /** Byte offset just past this line in its stream's file. */
  endOffset: number;
  /** Bytes of output this line took, its newline included. */
  bytes: number;
}

/**
 * Moves output from tail channels into `log_lines`: split into lines, numbered, written in
 * batches, the read position committed with them. Reading pauses while PostgreSQL lags.
 */
export class LogPump {
  private pending: PendingLine[] = [];
  private committed: ReadPosition;
  private next: ReadPosition;
  private readonly splitters: Record<OutputStream, LineSplitter>;
  /** Bytes received per stream, complete lines or not: where a catch-up read starts. */
  private readonly received: Record<OutputStream, number>;
  private readonly sources = new Set<ClientChannel>();
  private flushChain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private failure: Error | null = null;
  private closed = false;
  private progressMark: ProgressMark | null = null;
  private scheduled: NodeJS.Timeout | undefined;
  private lastFlushAt = 0;
  private readonly minFlushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly highWater: number;
  private readonly highWaterBytes: number;
  /** Bytes of the lines pending or being flushed: output held in memory until it is committed. */
  private uncommittedBytes = 0;

  constructor(
    private readonly pool: Pool,
    private readonly executionId: string,
    start: ReadPosition,
    private readonly options: LogPumpOptions = {},
  ) {
    this.committed = { ...start };
    this.next = { ...start };
    this.splitters = { stdout: new LineSplitter(start.stdoutOffset), stderr: new LineSplitter(start.stderrOffset) };
    this.received = { stdout: start.stdoutOffset, stderr: start.stderrOffset };
    this.maxBatch = options.maxBatch ?? 5000;
    this.highWater = options.highWater ?? 20_000;
    this.highWaterBytes = options.highWaterBytes ?? 8 * 1024 * 1024;
    this.minFlushIntervalMs = options.minFlushIntervalMs ?? 25;
  }

  /** The position stored in PostgreSQL, as of the last completed flush. */
  get position(): ReadPosition {
    return { ...this.committed };
  }

  /** The latest `::progress` mark stored, if the script printed one. */
  get progress(): ProgressMark | null {
    return this.progressMark;
  }

  bytesReceived(stream: OutputStream): number {
    return this.received[stream];
  }

  /**
   * Reads a follower's channel until it closes: stdout and stderr of the run, each after its
   * start line. Resolves with the channel's exit code.
   */
  attach({ channel, start }: Follower): Promise<number | null> {
    this.sources.add(channel);
    const startLine = Buffer.from(`${start}\n`);
    const stdout = new AfterStart(startLine);
    const stderr = new AfterStart(startLine);
    channel.on('data', (chunk: Buffer) => this.push('stdout', stdout.push(chunk)));
    channel.stderr.on('data', (chunk: Buffer) => this.push('stderr', stderr.push(chunk)));
    return new Promise((resolve) => {
      channel.once('close', (code: number | null | undefined) => {
        this.sources.delete(channel);
        resolve(typeof code === 'number' ? code : null);
      });
    });
  }

  push(stream: OutputStream, chunk: Buffer): void {
    // Closed or failed: what still arrives while the channel closes is read again by the next attempt.
    if (chunk.length === 0 || this.closed || this.failure) return;
    this.received[stream] += chunk.length;
    this.add(stream, this.splitters[stream].push(chunk));
  }

  /** The stream is complete (the run ended): its unterminated last line is stored too. */
  endStream(stream: OutputStream): void {
    this.add(stream, this.splitters[stream].end());
  }

  /** Waits until everything received so far is stored; throws if a flush failed. */
  async drain(): Promise<ReadPosition> {
    if (this.closed) return this.position;
    this.requestFlush();
    await this.flushChain;
    if (this.failure) throw this.failure;
    if (this.pending.length > 0) return this.drain();
    return this.position;
  }

  /** Throws the error that stopped storing lines, if any (the attempt must fail and re-attach). */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Stops reading and storing. A flush still waiting for the gate is dropped: an attempt that
   * gave up (detached) must not commit behind the next one's back; its lines are read again.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.scheduled);
    for (const source of this.sources) stopFollowing(source);
  }

  private add(stream: OutputStream, lines: ReturnType<LineSplitter['push']>): void {
    if (lines.length === 0) return;
    const ts = new Date();
    const offsetKey = streamOffsetKey[stream];
    for (const line of lines) {
      const bytes = line.endOffset - this.next[offsetKey];
      this.next.lastSeq += 1;
      this.next[offsetKey] = line.endOffset;
      this.uncommittedBytes += bytes;
      this.pending.push({ seq: this.next.lastSeq, stream, ts, text: line.text, continued: line.continued, endOffset: line.endOffset, bytes });
    }
    this.scheduleFlush();
    if (this.backlogFull()) for (const source of this.sources) pauseFollower(source);
  }

  /**
   * PostgreSQL lags too far behind: stop reading until a commit brings the backlog below the marks.
   * While many pumps queue for the commit gate each holds only its share of the marks, never less
   * than a full batch or 1 MiB (or the full mark, if lower); the rest waits on the host, where
   * the output is kept anyway.
   */
  private backlogFull(): boolean {
    const share = (this.options.gate ?? ungated).share();
    const lines = Math.min(this.highWater, Math.max(this.maxBatch, Math.ceil(this.highWater * share)));
    const bytes = Math.min(this.highWaterBytes, Math.max(minBacklogBytes, Math.ceil(this.highWaterBytes * share)));
    return this.pending.length >= lines || this.uncommittedBytes >= bytes;
  }

  /** Flushes now when the last flush is long enough ago or a batch is full, else when it will be. */
  private scheduleFlush(): void {
    if (this.flushQueued || this.failure) return;
    const wait = this.lastFlushAt + this.minFlushIntervalMs - Date.now();
    if (wait <= 0 || this.pending.length >= this.maxBatch) {
      this.requestFlush();
    } else {
      this.scheduled ??= setTimeout(() => this.requestFlush(), wait);
    }
  }

  private requestFlush(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.flushQueued || this.pending.length === 0 || this.failure) return;
    this.flushQueued = true;
    this.flushChain = this.flushChain.then(() => this.flushOnce());
  }

  private async flushOnce(): Promise<void> {
    // Waiting for the gate, lines keep arriving: the batch is taken once it is this pump's turn.
    await (this.options.gate ?? ungated)(() => this.commitPending());
    if (this.failure || this.closed) return;
    if (!this.backlogFull()) for (const source of this.sources) resumeFollower(source);
    // What arrived during this flush goes in the next one.
    if (this.pending.length > 0) this.scheduleFlush();
  }

  private async commitPending(): Promise<void> {
    this.flushQueued = false;
    if (this.closed || this.failure || this.pending.length === 0) return;
    this.lastFlushAt = Date.now();
    const batch = this.pending.splice(0, this.maxBatch);
    // Offsets advance only as far as the lines in this batch reach.
    const to: ReadPosition = { ...this.committed };
    for (const line of batch) {
      to.lastSeq = line.seq;
      to[streamOffsetKey[line.stream]] = line.endOffset;
    }
    const mark = lastProgressMark(batch);
    try {
      await appendBatch(this.pool, this.executionId, this.committed, to, batch, mark);
      this.committed = to;
      for (const line of batch) this.uncommittedBytes -= line.bytes;
      if (mark) this.progressMark = mark;
      this.options.onCommitted?.(batch, to);
    } catch (err) {
      this.failure = coerceError(err);
      for (const source of this.sources) stopFollowing(source);
    }
  }
}

const noBytes = Buffer.alloc(0);

/** The least backlog a pump may hold however many queue for the gate. */
const minBacklogBytes = 1024 * 1024;

/**
 * Drops what a stream carries before its start line (whatever the host's login files print ahead
 * of the follower), then passes every byte through. Holds at most the start line's length.
 */
export class AfterStart {
  /** What was seen since the last chunk that could hold part of the start line; null once started. */
  private seen: Buffer | null = noBytes;

  constructor(private readonly startLine: Buffer) {}

  push(chunk: Buffer): Buffer {
    if (this.seen === null) return chunk;
    const joined = this.seen.length > 0 ? Buffer.concat([this.seen, chunk]) : chunk;
    const at = joined.indexOf(this.startLine);
    if (at === -1) {
      // Keep only a tail that may be the beginning of the start line.
      this.seen = Buffer.from(joined.subarray(Math.max(0, joined.length - (this.startLine.length - 1))));
      return noBytes;
    }
    this.seen = null;
    return joined.subarray(at + this.startLine.length);
  }
}
