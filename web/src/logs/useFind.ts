import { useCallback, useEffect, useRef, useState } from 'react';

import { shownText } from './LogText';
import type { LogLines } from './useLogLines';

export interface Find {
  query: string;
  setQuery(query: string): void;
  /** The seqs of the loaded lines that hold the query, in order. */
  matches: number[];
  /** The match shown now. */
  current: number | undefined;
  /** The next (or previous) match after `from`, wrapping around; undefined when there is none. */
  step(direction: 1 | -1, from: number): number | undefined;
}

/** Finding text in the lines held now; recomputed when the query changes, and each second while lines arrive. */
export function useFind(log: Pick<LogLines, 'loaded' | 'version'>): Find {
  const [query, setQueryState] = useState('');
  const [matches, setMatches] = useState<number[]>([]);
  const [current, setCurrent] = useState<number | undefined>(undefined);
  const versionRef = useRef(log.version);
  versionRef.current = log.version;
  const loaded = useRef(log.loaded);
  loaded.current = log.loaded;

  useEffect(() => {
    if (!query) {
      setMatches([]);
      return;
    }
    const needle = query.toLowerCase();
    let searchedVersion = -1;
    const search = (): void => {
      if (searchedVersion === versionRef.current) return;
      searchedVersion = versionRef.current;
      const found: number[] = [];
      for (const line of loaded.current()) if (shownText(line.text).toLowerCase().includes(needle)) found.push(line.seq);
      setMatches(found.sort((a, b) => a - b));
    };
    const first = setTimeout(search, 150);
    const again = setInterval(search, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(again);
    };
  }, [query]);

  const setQuery = useCallback((next: string) => {
    setQueryState(next);
    setCurrent(undefined);
  }, []);

  const step = useCallback(
    (direction: 1 | -1, from: number): number | undefined => {
      if (matches.length === 0) return undefined;
      let next: number | undefined;
      if (direction === 1) next = matches.find((seq) => seq > from) ?? matches[0];
      else next = matches.findLast((seq) => seq < from) ?? matches.at(-1);
      setCurrent(next);
      return next;
    },
    [matches],
  );

  return { query, setQuery, matches, current, step };
}
