import { followLiveLog, MigratorApiError, type ExecutionStatus, type LogLine } from '@migrator/api-client';
import { useCallback, useEffect, useRef, useState } from 'react';

import { api, unwrap } from '../api/client';

/** Lines a page request asks for (the route's limit is 5,000). */
export const pageLines = 1000;
/** Lines kept in memory at most; pages far from where the operator looks are dropped first. */
const keptLines = 60_000;
/** New lines from the stream are applied at most this often (one render per batch, not per line). */
const flushMs = 50;

export type Connection = 'loading' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface LogLines {
  /** The highest seq known: the log's length. */
  total: number;
  connection: Connection;
  /** The execution's status as the stream last told it. */
  status: ExecutionStatus | undefined;
  /** Why following failed, in the server's words. */
  error: string | undefined;
  /** Changes whenever lines were added or dropped, so views re-read them. */
  version: number;
  get(seq: number): LogLine | undefined;
  /** The lines held now, unordered (finding text searches what is loaded). */
  loaded(): Iterable<LogLine>;
  /** Loads the pages holding `from..to` that are not held yet; `focus` says which pages to keep. */
  ensure(from: number, to: number, focus: number): void;
}

const pageOf = (seq: number): number => Math.floor((seq - 1) / pageLines);

/**
 * An execution's log as the viewer reads it: the tail first, then the live stream (resumed with
 * Last-Event-ID after a dropped connection, each line once), and any other page on demand.
 * Lines are held by seq, so a line that arrives twice (a page and the stream) is held once.
 */
export function useLogLines(executionId: string): LogLines {
  const lines = useRef(new Map<number, LogLine>());
  const requested = useRef(new Set<number>());
  const [total, setTotal] = useState(0);
  const [connection, setConnection] = useState<Connection>('loading');
  const [status, setStatus] = useState<ExecutionStatus | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const totalRef = useRef(0);
  const focusRef = useRef(0);

  const evict = useCallback(() => {
    const held = lines.current;
    if (held.size <= keptLines) return;
    const focusPage = pageOf(Math.max(1, focusRef.current));
    const pages = new Set<number>();
    for (const seq of held.keys()) pages.add(pageOf(seq));
    const farthestFirst = [...pages].sort((a, b) => Math.abs(b - focusPage) - Math.abs(a - focusPage));
    for (const page of farthestFirst) {
      if (held.size <= keptLines * 0.75) break;
      const first = page * pageLines + 1;
      for (let seq = first; seq < first + pageLines; seq++) held.delete(seq);
      requested.current.delete(page);
    }
  }, []);

  const add = useCallback(
    (batch: LogLine[]) => {
      for (const line of batch) lines.current.set(line.seq, line);
      const last = batch.at(-1)?.seq ?? 0;
      if (last > totalRef.current) {
        totalRef.current = last;
        setTotal(last);
      }
      evict();
      setVersion((v) => v + 1);
    },
    [evict],
  );

  const fetchPage = useCallback(
    async (page: number) => {
      const end = (page + 1) * pageLines;
      let after = page * pageLines;
      try {
        // A page may end early at the route's byte budget: read on until the page is whole.
        while (after < end) {
          const answer = await unwrap(
            api.GET('/api/v1/executions/{id}/logs', { params: { path: { id: executionId }, query: { after, limit: end - after } } }),
          );
          add(answer.lines);
          if (answer.lines.length === 0 || answer.nextAfter <= after) break;
          after = answer.nextAfter;
        }
      } catch {
        // Asked again the next time the page is looked at.
        requested.current.delete(page);
      }
    },
    [add, executionId],
  );

  const ensure = useCallback(
    (from: number, to: number, focus: number) => {
      focusRef.current = focus;
      const last = Math.min(to, totalRef.current);
      for (let page = pageOf(Math.max(1, from)); page <= pageOf(Math.max(1, last)); page++) {
        if (requested.current.has(page)) continue;
        const first = page * pageLines + 1;
        let missing = false;
        for (let seq = Math.max(first, from); seq <= Math.min(first + pageLines - 1, last); seq++) {
          if (!lines.current.has(seq)) {
            missing = true;
            break;
          }
        }
        if (!missing) continue;
        requested.current.add(page);
        void fetchPage(page);
      }
    },
    [fetchPage],
  );

  useEffect(() => {
    const abort = new AbortController();
    lines.current.clear();
    requested.current.clear();
    let pending: LogLine[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      if (pending.length === 0 || abort.signal.aborted) return;
      const batch = pending;
      pending = [];
      add(batch);
    };
    const fail = (err: unknown): void => {
      if (abort.signal.aborted) return;
      if (err instanceof MigratorApiError && err.status === 401) window.dispatchEvent(new CustomEvent('migrator:signed-out'));
      setError(err instanceof Error ? err.message : String(err));
      setConnection('failed');
    };

    const start = async (): Promise<void> => {
      const tail = await unwrap(api.GET('/api/v1/executions/{id}/logs', { params: { path: { id: executionId }, query: { tail: pageLines } } }));
      if (abort.signal.aborted) return;
      const after = tail.lines.at(-1)?.seq ?? 0;
      totalRef.current = Math.max(tail.lineCount, after);
      setTotal(totalRef.current);
      focusRef.current = totalRef.current;
      add(tail.lines);
      setConnection('live');
      const end = await followLiveLog(
        {
          baseUrl: window.location.origin,
          // The status says "live" again as soon as a resumed connection is answered.
          fetch: async (request) => {
            const response = await fetch(request);
            if (response.ok && !abort.signal.aborted) setConnection('live');
            return response;
          },
        },
        executionId,
        {
          onLine(_seq, line) {
            pending.push(line());
            timer ??= setTimeout(flush, flushMs);
          },
          onStatus(next) {
            setStatus(next);
          },
          onReconnect() {
            flush();
            setConnection('reconnecting');
          },
        },
        // A console stays open for long: keep trying (the waits grow to 15 s) rather than give up soon.
        { after, signal: abort.signal, maxReconnects: 100 },
      );
      flush();
      setStatus(end.status);
      setConnection('ended');
    };
    start().catch(fail);
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [add, executionId]);

  return {
    total,
    connection,
    status,
    error,
    version,
    get: (seq) => lines.current.get(seq),
    loaded: () => lines.current.values(),
    ensure,
  };
}
