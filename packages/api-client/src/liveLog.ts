import { EventStreamParser } from './eventStream';
import { isProblem, MigratorApiError } from './problem';
import type { components, paths } from './schema';

export type LogLine = components['schemas']['LogLine'];
export type ExecutionStatus = paths['/api/v1/executions/{id}']['get']['responses'][200]['content']['application/json']['status'];

/** How a followed log ended: the execution's final status and the seq of its last line. */
export interface LiveLogEnd {
  status: ExecutionStatus;
  lastSeq: number;
}

export interface LiveLogHandlers {
  /**
   * Each line once, in order. `line()` decodes it; call it during the callback or not at all
   * (a follower that only counts lines skips the cost).
   */
  onLine?(seq: number, line: () => LogLine): void;
  /** Each change of the execution's status the stream reports. */
  onStatus?(status: ExecutionStatus): void;
  /** The stream broke; it is followed again after `lastSeq` once the delay has passed. */
  onReconnect?(info: { attempt: number; lastSeq: number; reason: unknown }): void;
}

export interface FollowOptions {
  /** Follow after this seq, the last line already seen (0, every line, by default). */
  after?: number;
  signal?: AbortSignal;
  /** Connections in a row that may fail (no event received) before it gives up; 10 by default. */
  maxReconnects?: number;
  /** First wait before following again, doubled on each failure in a row up to 15 s; 500 ms by default. */
  reconnectDelayMs?: number;
}

export interface StreamConnection {
  baseUrl: string;
  token?: string;
  fetch?: (request: Request) => Promise<Response>;
}

/** 4xx answers will not change by asking again (the token, the id, the header); 5xx and 429 may. */
function retryable(err: unknown): boolean {
  return !(err instanceof MigratorApiError) || err.status >= 500 || err.status === 429 || err.status === 408;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Follows `GET /executions/:id/logs/stream` to its `end` event, through dropped connections:
 * each new connection sends `Last-Event-ID` with the last line received, so every line arrives
 * once, in order. Rejects with a MigratorApiError when the API refuses (unknown execution, a
 * token that is not or no longer valid), and with the abort reason when `signal` aborts.
 */
export async function followLiveLog(
  connection: StreamConnection,
  executionId: string,
  handlers: LiveLogHandlers,
  options: FollowOptions = {},
): Promise<LiveLogEnd> {
  const { signal } = options;
  const path = `/api/v1/executions/${encodeURIComponent(executionId)}/logs/stream`;
  const url = `${connection.baseUrl.replace(/\/+$/, '')}${path}`;
  const fetchRequest = connection.fetch ?? ((request: Request) => globalThis.fetch(request));
  const decoder = new TextDecoder();
  const json = (data: Uint8Array): unknown => JSON.parse(decoder.decode(data));
  let lastSeq = options.after ?? 0;
  let status: ExecutionStatus | undefined;
  let failures = 0;

  const reportStatus = (next: ExecutionStatus): void => {
    if (next === status) return;
    status = next;
    handlers.onStatus?.(next);
  };

  /** One connection: its end, or undefined when it broke first; `received` tells whether any event came. */
  const followOnce = async (progress: { received: boolean }): Promise<LiveLogEnd | undefined> => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (connection.token) headers.authorization = `Bearer ${connection.token}`;
    if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
    const response = await fetchRequest(new Request(url, { headers, signal }));
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Not a problem document (a proxy's page): the status says enough.
      }
      throw new MigratorApiError(`GET ${path}`, response.status, isProblem(body) ? body : null);
    }
    const reader = response.body.getReader();
    const parser = new EventStreamParser();
    let ended: LiveLogEnd | undefined;
    try {
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        parser.push(value, (event) => {
          if (ended) return;
          progress.received = true;
          if (event.type === 'log') {
            const seq = Number(event.id);
            // Never a line twice, whatever a resumed connection repeats.
            if (!(seq > lastSeq)) return;
            lastSeq = seq;
            const { data } = event;
            let line: LogLine | undefined;
            handlers.onLine?.(seq, () => (line ??= json(data) as LogLine));
          } else if (event.type === 'status') {
            reportStatus((json(event.data) as { status: ExecutionStatus }).status);
          } else if (event.type === 'end') {
            const end = json(event.data) as LiveLogEnd;
            reportStatus(end.status);
            ended = { status: end.status, lastSeq: end.lastSeq };
          } else if (event.type === 'unauthenticated') {
            const problem = json(event.data);
            throw new MigratorApiError(`GET ${path}`, 401, isProblem(problem) ? problem : null);
          }
        });
      }
      return ended;
    } finally {
      // Lets the connection go at once, whether the stream ended, broke or a handler threw.
      reader.cancel().catch(() => undefined);
    }
  };

  const maxReconnects = options.maxReconnects ?? 10;
  const firstDelay = options.reconnectDelayMs ?? 500;
  for (;;) {
    const progress = { received: false };
    let reason: unknown;
    try {
      const end = await followOnce(progress);
      if (end) return end;
      reason = new Error('the stream ended before its end event');
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!retryable(err)) throw err;
      reason = err;
    }
    failures = progress.received ? 1 : failures + 1;
    if (failures > maxReconnects) {
      throw new Error(`Lost the live log of execution ${executionId} after line ${lastSeq}: ${reason instanceof Error ? reason.message : String(reason)}`, {
        cause: reason,
      });
    }
    handlers.onReconnect?.({ attempt: failures, lastSeq, reason });
    await delay(Math.min(firstDelay * 2 ** (failures - 1), 15_000), signal);
  }
}
