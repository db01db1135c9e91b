import { Client, type Pool } from 'pg';

import { getExecution, type ExecutionStatus } from '../db/executions';
import { readLines, type StoredLine } from '../db/logStore';
import { coerceError } from '../errors';
import type { Logger } from '../logger';
import { streamPageMaxBytes } from './pageBudget';

/** What an execution's row says now: how many lines are stored, and its status. */
export interface ExecutionMark {
  seq: number;
  status: ExecutionStatus;
}

/** Where a followed execution stands in this process. */
export interface TailPosition extends ExecutionMark {
  /** Lines up to here were read and handed to the followers. */
  handedOut: number;
}

/** One follower of an execution's log (an SSE client). */
export interface TailSubscriber {
  /** New lines, in order, each batch read once for every follower. */
  onLines(lines: StoredLine[]): void;
  onMark(mark: ExecutionMark): void;
}

const channel = 'migrator_executions';
/** Status changes only, new executions included (db/migrations/0009): the console's history follows it. */
const statusChannel = 'migrator_execution_status';

/** One execution's new status or progress, as the list-wide feed hands it out (db/migrations/0010). */
export interface StatusChange {
  /** `progress`: the status is as it was, `::progress` moved. */
  kind: 'status' | 'progress';
  id: string;
  status: ExecutionStatus;
  environmentId: string;
  jobId: string;
  progressDone?: number | null;
  progressTotal?: number | null;
  /** Lines stored so far (with progress only). */
  lines?: number;
}

/** A follower of every status change; `resync` after the feed may have missed some (a lost connection). */
export interface StatusSubscriber {
  onChange(change: StatusChange): void;
  onResync(): void;
}
/**
 * Lines per read. Small enough that a batch is written and dropped before the next young-generation
 * collections would promote it: in `npm run bench -- --only=memory` (1 GiB, three clients) the
 * API's growth went from +123..129 MiB at 5,000 to +99 MiB at 1,000. Long lines end a batch
 * sooner, at the streams' byte budget.
 */
const readBatch = { maxLines: 1000, maxBytes: streamPageMaxBytes };

/** The lines of one execution, read once per change and handed to every follower. */
class ExecutionTail {
  readonly subscribers = new Set<TailSubscriber>();
  /** Lines up to here have been read and handed out. */
  readSeq: number;
  mark: ExecutionMark;
  private wanted: number;
  private reading = false;

  constructor(
    private readonly pool: Pool,
    private readonly executionId: string,
    start: ExecutionMark,
    private readonly logger: Logger,
  ) {
    this.readSeq = start.seq;
    this.wanted = start.seq;
    this.mark = start;
  }

  update(mark: ExecutionMark): void {
    this.wanted = Math.max(this.wanted, mark.seq);
    this.mark = { seq: Math.max(this.mark.seq, mark.seq), status: mark.status };
    void this.readAhead();
  }

  private async readAhead(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.readSeq < this.wanted && this.subscribers.size > 0) {
        const lines = await readLines(this.pool, this.executionId, this.readSeq, readBatch);
        if (lines.length === 0) break;
        this.readSeq = lines.at(-1)!.seq;
        for (const s of this.subscribers) s.onLines(lines);
      }
    } catch (err) {
      // The followers notice nothing is coming and read on their own at their next catch-up.
      this.logger.warn({ err, executionId: this.executionId }, 'live tail read failed');
    } finally {
      this.reading = false;
    }
    for (const s of this.subscribers) s.onMark(this.mark);
  }
}

/**
 * One per API process: a single PostgreSQL connection LISTENs for changes to executions (a
 * trigger NOTIFYs new lines and status changes at commit), and each followed execution's new
 * lines are read once and handed to all its followers. No per-client polling; any number of
 * API replicas each get every notification.
 */
export class LiveTails {
  private readonly tails = new Map<string, ExecutionTail>();
  private readonly statusSubscribers = new Set<StatusSubscriber>();
  private listener: Client | null = null;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Connects the listener; retried in the background until it works, and after every drop. */
  async start(): Promise<void> {
    await this.connect().catch((err: unknown) => this.scheduleReconnect(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Follows an execution. A new follower reads from the database itself up to
   * `position().handedOut`, then takes the lines handed to it.
   */
  async follow(executionId: string, subscriber: TailSubscriber): Promise<{ position: () => TailPosition; unfollow: () => void }> {
    let tail = this.tails.get(executionId);
    if (!tail) {
      const mark = await this.readMark(executionId);
      // Another follower may have created it while we read.
      tail = this.tails.get(executionId) ?? new ExecutionTail(this.pool, executionId, mark, this.logger);
      this.tails.set(executionId, tail);
    }
    const followed = tail;
    followed.subscribers.add(subscriber);
    return {
      position: () => ({ ...followed.mark, handedOut: followed.readSeq }),
      unfollow: () => {
        followed.subscribers.delete(subscriber);
        if (followed.subscribers.size === 0 && this.tails.get(executionId) === followed) this.tails.delete(executionId);
      },
    };
  }

  /** Follows every execution's status changes (new executions included) until the returned function is called. */
  followStatuses(subscriber: StatusSubscriber): () => void {
    this.statusSubscribers.add(subscriber);
    return () => this.statusSubscribers.delete(subscriber);
  }

  /** How many list-wide status followers this process has. */
  get statusFollowers(): number {
    return this.statusSubscribers.size;
  }

  /** How many followers this process has for an execution; undefined when it does not follow it at all. */
  followersOf(executionId: string): number | undefined {
    return this.tails.get(executionId)?.subscribers.size;
  }

  private async readMark(executionId: string): Promise<ExecutionMark> {
    const execution = await getExecution(this.pool, executionId);
    if (!execution) throw new Error(`Execution ${executionId} does not exist.`);
    return { seq: execution.lineCount, status: execution.status };
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'migrator-live-tails' });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', (message) => {
      if (message.channel === statusChannel && message.payload) {
        try {
          const change = JSON.parse(message.payload) as StatusChange;
          for (const s of this.statusSubscribers) s.onChange(change);
        } catch (err) {
          this.logger.warn({ err, payload: message.payload }, 'unreadable status notification');
        }
        return;
      }
      if (message.channel !== channel || !message.payload) return;
      try {
        const { id, seq, status } = JSON.parse(message.payload) as { id: string; seq: number; status: ExecutionStatus };
        this.tails.get(id)?.update({ seq: Number(seq), status });
      } catch (err) {
        this.logger.warn({ err, payload: message.payload }, 'unreadable execution notification');
      }
    });
    await client.connect();
    await client.query(`listen ${channel}`);
    await client.query(`listen ${statusChannel}`);
    if (this.stopped) {
      await client.end();
      return;
    }
    this.listener = client;
    // Notifications sent while nobody listened are lost: re-read every followed execution, and
    // tell the list-wide followers to read the list again.
    for (const s of this.statusSubscribers) s.onResync();
    await Promise.all(
      [...this.tails].map(async ([id, tail]) => {
        tail.update(await this.readMark(id).catch(() => tail.mark));
      }),
    );
  }

  private lost(client: Client, err: unknown): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => undefined);
    this.scheduleReconnect(err);
  }

  private scheduleReconnect(err: unknown): void {
    if (this.stopped) return;
    this.logger.warn({ err: coerceError(err) }, 'live tail listener lost; reconnecting in 1 s');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((again: unknown) => this.scheduleReconnect(again));
    }, 1000);
    this.reconnectTimer.unref();
  }
}
