import type { StoredLine } from '../db/logStore';
import { inPieces } from '../pieces';

/** Server-sent events of log lines, in pieces, each knowing the last line it carries. */
export interface EventPiece {
  text: string;
  /** The seq of the last line whose event ends in this piece. */
  lastSeq: number;
}

function lineEvent(line: StoredLine): string {
  const data = JSON.stringify({ seq: line.seq, stream: line.stream, ts: line.ts, text: line.text, continued: line.continued });
  return `id: ${line.seq}\nevent: log\ndata: ${data}\n\n`;
}

/**
 * The `log` events of `lines`, rendered lazily in pieces (see `inPieces`): a writer that stops at
 * a full buffer knows which line it reached and has rendered nothing past it.
 */
export function* eventPieces(lines: Iterable<StoredLine>): Generator<EventPiece> {
  let lastSeq = 0;
  for (const text of inPieces(lines, (line) => {
    lastSeq = line.seq;
    return lineEvent(line);
  })) {
    yield { text, lastSeq };
  }
}

/** The live tail hands the same batch to every follower: render it once for all of them. */
const renderedBatches = new WeakMap<StoredLine[], EventPiece[]>();

export function batchEventPieces(lines: StoredLine[]): EventPiece[] {
  let rendered = renderedBatches.get(lines);
  if (rendered === undefined) {
    rendered = [...eventPieces(lines)];
    renderedBatches.set(lines, rendered);
  }
  return rendered;
}
