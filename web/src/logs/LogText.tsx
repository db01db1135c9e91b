import { memo, type ReactNode } from 'react';

import { ansiClasses, parseAnsi } from './ansi';

export interface LogTextProps {
  text: string;
  /** Text being looked for: its occurrences are marked. */
  query: string;
}

function marked(text: string, query: string, key: string): ReactNode[] {
  if (!query) return [text];
  const parts: ReactNode[] = [];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(<mark key={`${key}-${at}`}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/** What a line says: its text as text (React escapes it; never HTML), terminal colours as styled spans. */
export const LogText = memo(function LogText({ text, query }: LogTextProps) {
  const segments = parseAnsi(text);
  return (
    <>
      {segments.map((segment, i) =>
        segment.style ? (
          <span key={i} className={ansiClasses(segment.style)}>
            {marked(segment.text, query, String(i))}
          </span>
        ) : (
          <span key={i}>{marked(segment.text, query, String(i))}</span>
        ),
      )}
    </>
  );
});

/** The text a line shows, escapes removed: what finding text looks in. */
export function shownText(text: string): string {
  const segments = parseAnsi(text);
  return segments.length === 1 ? segments[0]!.text : segments.map((s) => s.text).join('');
}
