import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';

import './logViewer.css';
import { LogText } from './LogText';
import { useFind } from './useFind';
import { useLogLines, type LogLines } from './useLogLines';

export interface LogViewerProps {
  executionId: string;
}

const rowPx = 20;
/**
 * Rows of the scrolled element at most: 200,000 × 20 px = 4 M px, well below the ~33 M px a
 * browser gives an element. A longer log is shown through a window of this many lines that
 * slides as the operator scrolls, and the "Position in log" slider spans the whole log.
 */
const windowRows = 200_000;
/** The window slides once the view comes this close to one of its edges. */
const slideMargin = windowRows / 10;

type PendingScroll = { seq: number; align: 'start' | 'center' } | { top: number };

function connectionText(log: LogLines, following: boolean): string {
  switch (log.connection) {
    case 'loading':
      return 'Loading the log…';
    case 'live':
      return following ? 'Following the live log.' : 'Live; not following (scrolled up).';
    case 'reconnecting':
      return 'Connection lost; reconnecting. No line will be missed.';
    case 'ended':
      return `The log is complete${log.status ? ` (${log.status})` : ''}.`;
    case 'failed':
      return 'Not following the log.';
  }
}

/**
 * The log of an execution: opens at the tail, follows new lines live, and lets the operator
 * scroll back through millions of lines; only the rows in view are in the DOM.
 */
export function LogViewer({ executionId }: LogViewerProps) {
  const log = useLogLines(executionId);
  const find = useFind(log);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const [base, setBase] = useState(0);
  const [, setJumps] = useState(0);
  const [linked, setLinked] = useState<number | undefined>(undefined);
  const pendingScroll = useRef<PendingScroll | undefined>(undefined);
  const wantedLine = useRef<number | undefined>(undefined);

  const { total } = log;
  const windowBase = following ? Math.max(0, total - windowRows) : Math.min(base, Math.max(0, total - 1));
  const count = Math.min(windowRows, total - windowBase);
  const view = useRef({ windowBase, count, total, following });
  view.current = { windowBase, count, total, following };

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowPx,
    overscan: 10,
  });
  const rows = virtualizer.getVirtualItems();
  const firstShown = rows.length ? windowBase + Math.max(1, Math.ceil((scrollRef.current?.scrollTop ?? 0) / rowPx) + 1) : 0;

  const jumpTo = useCallback((seq: number, align: 'start' | 'center') => {
    const { total: known } = view.current;
    const target = Math.min(Math.max(1, seq), Math.max(1, known));
    setFollowing(false);
    setBase(Math.max(0, Math.min(target - 1 - windowRows / 2, known - windowRows)));
    pendingScroll.current = { seq: target, align };
    setJumps((n) => n + 1);
  }, []);

  const jumpToLive = useCallback(() => {
    pendingScroll.current = undefined;
    setFollowing(true);
  }, []);

  // Following: the last line stays in view as lines arrive.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (following && el) el.scrollTop = el.scrollHeight;
  }, [following, total, count]);

  // A jump or a slide of the window, applied once the rows it needs are laid out.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const pending = pendingScroll.current;
    if (!el || !pending) return;
    if ('top' in pending) {
      el.scrollTop = pending.top;
    } else {
      const index = pending.seq - 1 - windowBase;
      if (index < 0 || index >= count) return;
      el.scrollTop = pending.align === 'start' ? index * rowPx : index * rowPx - el.clientHeight / 2 + rowPx / 2;
    }
    pendingScroll.current = undefined;
  });

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el || pendingScroll.current) return;
    const { windowBase: b, count: n, total: known, following: isFollowing } = view.current;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - rowPx / 2;
    if (atBottom && b + n >= known) {
      if (!isFollowing) setFollowing(true);
      return;
    }
    if (isFollowing) {
      setFollowing(false);
      setBase(b);
    }
    const first = Math.floor(el.scrollTop / rowPx);
    const last = Math.ceil((el.scrollTop + el.clientHeight) / rowPx);
    if (first < slideMargin && b > 0) {
      const shift = Math.min(b, windowRows / 2);
      setBase(b - shift);
      pendingScroll.current = { top: el.scrollTop + shift * rowPx };
    } else if (last > n - slideMargin && b + n < known) {
      const shift = Math.min(known - (b + n), windowRows / 2);
      setBase(b + shift);
      pendingScroll.current = { top: el.scrollTop - shift * rowPx };
    }
  }, []);

  // Lines in view (and a little around) are loaded page by page.
  const firstRow = rows[0]?.index;
  const lastRow = rows.at(-1)?.index;
  useEffect(() => {
    if (firstRow === undefined || lastRow === undefined) return;
    const from = windowBase + firstRow + 1;
    const to = windowBase + lastRow + 1;
    log.ensure(from - 100, to + 100, Math.round((from + to) / 2));
  }, [firstRow, lastRow, windowBase, log]);

  // A link to one line (#L1234) scrolls to it and marks it, once the log is that long.
  useEffect(() => {
    const onHash = (): void => {
      const match = /^#L(\d+)$/.exec(window.location.hash);
      if (!match) return;
      const seq = Number(match[1]);
      setLinked(seq);
      wantedLine.current = seq;
      if (seq <= view.current.total) {
        wantedLine.current = undefined;
        jumpTo(seq, 'center');
      }
    };
    onHash();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [jumpTo]);
  useEffect(() => {
    const wanted = wantedLine.current;
    if (wanted !== undefined && wanted <= total) {
      wantedLine.current = undefined;
      jumpTo(wanted, 'center');
    }
  }, [total, jumpTo]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Home') {
      event.preventDefault();
      jumpTo(1, 'start');
    } else if (event.key === 'End') {
      event.preventDefault();
      jumpToLive();
    }
  };

  const stepFind = (direction: 1 | -1): void => {
    const from = find.current ?? (direction === 1 ? firstShown - 1 : firstShown);
    const seq = find.step(direction, from);
    if (seq !== undefined) jumpTo(seq, 'center');
  };

  const selected = find.current ?? linked;
  const matchIndex = find.current === undefined ? -1 : find.matches.indexOf(find.current);
  const findText = !find.query
    ? ''
    : find.matches.length === 0
      ? 'No match in the loaded lines.'
      : matchIndex === -1
        ? `${find.matches.length} ${find.matches.length === 1 ? 'match' : 'matches'} in the loaded lines.`
        : `Match ${matchIndex + 1} of ${find.matches.length} in the loaded lines.`;

  return (
    <section className="log-viewer" aria-labelledby={`log-heading-${executionId}`}>
      <div className="log-toolbar">
        <h2 id={`log-heading-${executionId}`}>Log</h2>
        <p role="status" className={`log-connection log-connection-${log.connection}`}>
          {connectionText(log, following)}
        </p>
        <span className="log-count">{total.toLocaleString('en')} lines</span>
        {!following && total > 0 && (
          <button type="button" onClick={jumpToLive}>
            {log.connection === 'ended' ? 'Jump to the end' : 'Jump to live'}
          </button>
        )}
        <a href={`/api/v1/executions/${encodeURIComponent(executionId)}/logs.txt`} download>
          Download logs.txt
        </a>
      </div>
      {log.connection === 'failed' && <p role="alert">Could not follow the log: {log.error}</p>}
      <form
        className="log-find"
        role="search"
        aria-label="Find in the log"
        onSubmit={(event) => {
          event.preventDefault();
          stepFind(1);
        }}
      >
        <label htmlFor={`log-find-${executionId}`}>Find in loaded lines</label>
        <input
          id={`log-find-${executionId}`}
          type="search"
          value={find.query}
          onChange={(event) => find.setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && event.shiftKey) {
              event.preventDefault();
              stepFind(-1);
            }
          }}
        />
        <button type="button" onClick={() => stepFind(-1)} disabled={find.matches.length === 0}>
          Previous match
        </button>
        <button type="submit" disabled={find.matches.length === 0}>
          Next match
        </button>
        <span role="status">{findText}</span>
      </form>
      {total > windowRows && (
        <label className="log-position">
          Position in log
          <input
            type="range"
            min={1}
            max={total}
            value={Math.min(Math.max(1, firstShown), total)}
            aria-valuetext={`line ${firstShown.toLocaleString('en')} of ${total.toLocaleString('en')}`}
            onChange={(event) => jumpTo(Number(event.target.value), 'start')}
          />
        </label>
      )}
      <div
        ref={scrollRef}
        className="log-scroll"
        role="table"
        aria-label="Log lines"
        aria-rowcount={total}
        aria-describedby={`log-keys-${executionId}`}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
      >
        <div role="rowgroup" className="log-rows" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const seq = windowBase + row.index + 1;
            const line = log.get(seq);
            const stderr = line?.stream === 'stderr';
            const classes = ['log-row'];
            if (stderr) classes.push('log-stderr');
            if (seq === selected) classes.push('log-selected');
            return (
              <div
                key={seq}
                role="row"
                aria-rowindex={seq}
                aria-current={seq === selected ? 'true' : undefined}
                className={classes.join(' ')}
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <span role="rowheader" className="log-seq">
                  <a href={`#L${seq}`}>{seq}</a>
                </span>
                <span role="cell" className="log-stream">
                  {stderr ? 'stderr' : ''}
                </span>
                <span role="cell" className="log-text">
                  {line ? <LogText text={line.text} query={find.query} /> : <span className="log-pending">…</span>}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      <p id={`log-keys-${executionId}`} className="log-keys">
        Home goes to the first line, End back to the live end; lines are numbered, and a number links to its line.
      </p>
    </section>
  );
}
