import type { LogLine, MigratorClient } from '@migrator/api-client';

/** What one SSE follower of an execution's log saw. */
export interface SseResult {
  logEvents: number;
  firstSeq: number | null;
  lastSeq: number;
  /** `log` events whose seq was not the previous one + 1. */
  outOfOrder: number;
  endStatus: string | null;
  endLastSeq: number | null;
}

export interface SseFollowOptions {
  /** Called for each `log` event; `line()` decodes it (only the latency item pays for that). */
  onLog?: (seq: number, line: () => LogLine, receivedAtWallMs: number) => void;
}

/**
 * Follows an execution's live log with the API client's follower until its `end` event. The
 * follower reads the seq from the bytes and decodes a line only when asked, so three followers
 * of a 1 GiB log cost little CPU next to the stack they measure. It does not reconnect here: a
 * dropped stream is a finding of the bench, not something to hide.
 */
export async function followLogStream(client: MigratorClient, executionId: string, options: SseFollowOptions = {}): Promise<SseResult> {
  const result: SseResult = { logEvents: 0, firstSeq: null, lastSeq: 0, outOfOrder: 0, endStatus: null, endLastSeq: null };
  const end = await client.followLog(
    executionId,
    {
      onLine(seq, line) {
        if (seq !== result.lastSeq + 1) result.outOfOrder += 1;
        result.firstSeq ??= seq;
        result.lastSeq = seq;
        result.logEvents += 1;
        options.onLog?.(seq, line, performance.timeOrigin + performance.now());
      },
    },
    { maxReconnects: 0 },
  );
  result.endStatus = end.status;
  result.endLastSeq = end.lastSeq;
  return result;
}

/** Throws unless a follower got exactly lines 1..expected, in order, and the `end` event. */
export function checkComplete(result: SseResult, expected: number, who: string): void {
  const problems: string[] = [];
  if (result.logEvents !== expected) problems.push(`${result.logEvents} log events, expected ${expected}`);
  if (result.outOfOrder !== 0) problems.push(`${result.outOfOrder} out of order`);
  if (result.firstSeq !== 1) problems.push(`first seq ${result.firstSeq}`);
  if (result.endStatus !== 'succeeded') problems.push(`end status ${result.endStatus}`);
  if (problems.length) throw new Error(`${who}: ${problems.join(', ')}.`);
}
