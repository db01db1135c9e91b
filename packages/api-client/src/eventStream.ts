/** One event of a `text/event-stream`, read from the bytes without decoding what nobody asks for. */
export interface StreamEvent {
  /** `id:`, or null when the event has none. */
  id: string | null;
  /** `event:`, `message` when absent. */
  type: string;
  /** `data:` lines joined by `\n`, as bytes; valid only during the callback (it views the chunk). */
  data: Uint8Array;
}

const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
const empty = new Uint8Array(0);

/** Field names and ids of the API's events are short ASCII: no TextDecoder for them. */
function text(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return new TextDecoder().decode(bytes.subarray(start, end));
  let out = '';
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return new TextDecoder().decode(bytes.subarray(start, end));
    out += String.fromCharCode(byte);
  }
  return out;
}

function sameAscii(bytes: Uint8Array, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Index of the first `\n` of the next `\n\n` at or after `from`, or -1. */
function blockEnd(buf: Uint8Array, from: number): number {
  for (let newline = buf.indexOf(LF, from); newline !== -1 && newline + 1 < buf.length; newline = buf.indexOf(LF, newline + 1)) {
    if (buf[newline + 1] === LF) return newline;
  }
  return -1;
}

const logPrefix = new TextEncoder().encode('\nevent: log\ndata: ');

/**
 * The API's own log events, `id: <seq>\nevent: log\ndata: <one line of JSON>\n\n`, read in one
 * pass: their JSON holds no newline, so the first one after `data: ` ends the event. Almost every
 * byte of a long log is in such events. Returns where the next event starts, or -1 when the
 * bytes at `start` are anything else (or unfinished), for the general parser.
 */
function logEventAt(buf: Uint8Array, start: number, onEvent: (event: StreamEvent) => void): number {
  if (buf[start] !== 0x69 || buf[start + 1] !== 0x64 || buf[start + 2] !== COLON || buf[start + 3] !== SPACE) return -1;
  let at = start + 4;
  while (at < buf.length && buf[at]! >= 0x30 && buf[at]! <= 0x39) at++;
  if (at === start + 4 || at - start > 24 || at + logPrefix.length > buf.length) return -1;
  for (let i = 0; i < logPrefix.length; i++) if (buf[at + i] !== logPrefix[i]) return -1;
  const dataStart = at + logPrefix.length;
  const end = buf.indexOf(LF, dataStart);
  if (end === -1 || end + 1 >= buf.length || buf[end + 1] !== LF) return -1;
  onEvent({ id: text(buf, start + 4, at), type: 'log', data: buf.subarray(dataStart, end) });
  return end + 2;
}

/**
 * Splits a `text/event-stream` body into events as chunks arrive. Lines end with `\n`, the
 * framing the API writes (a `\r` before it is not stripped). Comment-only blocks (keep-alives)
 * are counted. A follower of a 1 GiB log parses every byte, so the scan works on bytes, and an
 * event longer than a chunk (a 10 MiB line) is assembled once, when its end arrives.
 */
export class EventStreamParser {
  /** The unfinished event: the tail of one chunk, then whole chunks. */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Comment-only blocks seen (the API's keep-alives). */
  keepAlives = 0;

  push(chunk: Uint8Array, onEvent: (event: StreamEvent) => void): void {
    let start = 0;
    if (this.pendingLength > 0) {
      const last = this.pending[this.pending.length - 1]!;
      // The blank line that ends the event may straddle the two chunks.
      const straddles = last[last.length - 1] === LF && chunk[0] === LF;
      const end = straddles ? -1 : blockEnd(chunk, 0);
      if (!straddles && end === -1) {
        this.pending.push(chunk);
        this.pendingLength += chunk.length;
        return;
      }
      start = end + 2;
      const block = new Uint8Array(this.pendingLength + start);
      let offset = 0;
      for (const piece of this.pending) {
        block.set(piece, offset);
        offset += piece.length;
      }
      block.set(chunk.subarray(0, start), offset);
      this.pending = [];
      this.pendingLength = 0;
      this.block(block, 0, block.length - 2, onEvent);
    }
    for (;;) {
      const next = logEventAt(chunk, start, onEvent);
      if (next !== -1) {
        start = next;
        continue;
      }
      const end = blockEnd(chunk, start);
      if (end === -1) break;
      this.block(chunk, start, end, onEvent);
      start = end + 2;
    }
    if (start < chunk.length) {
      // A copy, so the chunk it came from can be collected.
      const tail = chunk.slice(start);
      this.pending.push(tail);
      this.pendingLength = tail.length;
    }
  }

  private block(buf: Uint8Array, start: number, end: number, onEvent: (event: StreamEvent) => void): void {
    let id: string | null = null;
    let type = 'message';
    let data: Uint8Array | null = null;
    let fields = 0;
    for (let lineStart = start; lineStart < end; ) {
      const lineEnd = buf.indexOf(LF, lineStart);
      if (buf[lineStart] !== COLON) {
        fields += 1;
        let colon = buf.indexOf(COLON, lineStart);
        if (colon === -1 || colon > lineEnd) colon = lineEnd;
        let valueStart = Math.min(colon + 1, lineEnd);
        if (valueStart < lineEnd && buf[valueStart] === SPACE) valueStart += 1;
        if (sameAscii(buf, lineStart, colon, 'data')) {
          const value = buf.subarray(valueStart, lineEnd);
          if (data === null) data = value;
          else {
            const joined: Uint8Array = new Uint8Array(data.length + 1 + value.length);
            joined.set(data);
            joined[data.length] = LF;
            joined.set(value, data.length + 1);
            data = joined;
          }
        } else if (sameAscii(buf, lineStart, colon, 'id')) {
          id = text(buf, valueStart, lineEnd);
        } else if (sameAscii(buf, lineStart, colon, 'event')) {
          type = sameAscii(buf, valueStart, lineEnd, 'log') ? 'log' : text(buf, valueStart, lineEnd);
        }
      }
      lineStart = lineEnd + 1;
    }
    if (fields === 0) {
      this.keepAlives += 1;
      return;
    }
    onEvent({ id, type, data: data ?? empty });
  }
}
