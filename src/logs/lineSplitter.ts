/** One line of output, with the byte offset just past it in its file. */
export interface SplitLine {
  text: string;
  endOffset: number;
  /** The line was longer than the cap and continues in the next one. */
  continued: boolean;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines on `\n`, decoding each as UTF-8 with replacement, dropping a
 * trailing `\r`, and cutting lines longer than `maxLineBytes` at a character boundary so memory
 * stays bounded whatever the script prints.
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private carryStart: number;

  constructor(
    startOffset: number,
    private readonly maxLineBytes = 64 * 1024,
  ) {
    this.carryStart = startOffset;
  }

  /** Byte offset up to which every byte has been returned as (part of) a line. */
  get offset(): number {
    return this.carryStart;
  }

  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let data = chunk;
    if (this.carry.length > 0) {
      // Only the carried part of a line and the chunk's first line are joined, not the whole
      // chunk: output arrives in chunks that rarely end on a newline.
      const nl = chunk.indexOf(NEWLINE);
      const head = nl === -1 ? chunk.length : nl + 1;
      const joined = Buffer.concat([this.carry, chunk.subarray(0, head)]);
      this.carry = Buffer.alloc(0);
      if (nl === -1) {
        data = joined;
      } else {
        this.split(joined, lines);
        data = chunk.subarray(head);
      }
    }
    this.split(data, lines);
    return lines;
  }

  /** Splits `data` (which starts where the last line ended) into `lines`; keeps the unfinished rest. */
  private split(data: Buffer, lines: SplitLine[]): void {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NEWLINE, start);
      const lineEnd = nl === -1 ? data.length : nl;
      if (lineEnd - start > this.maxLineBytes) {
        const cut = utf8Boundary(data, start + this.maxLineBytes);
        lines.push(this.emit(data, start, cut, cut, true));
        start = cut;
        continue;
      }
      if (nl === -1) break;
      lines.push(this.emit(data, start, nl, nl + 1, false));
      start = nl + 1;
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start));
  }

  /** The output ended: whatever is left without a final newline is the last line. */
  end(): SplitLine[] {
    if (this.carry.length === 0) return [];
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return [this.emit(rest, 0, rest.length, rest.length, false)];
  }

  private emit(data: Buffer, start: number, textEnd: number, consumedEnd: number, continued: boolean): SplitLine {
    let end = textEnd;
    if (!continued && end > start && data[end - 1] === 0x0d) end -= 1;
    this.carryStart += consumedEnd - start;
    return { text: decode(data, start, end), endOffset: this.carryStart, continued };
  }
}

/** Moves `at` back so it does not split a UTF-8 sequence (continuation bytes are 10xxxxxx). */
function utf8Boundary(data: Buffer, at: number): number {
  let cut = at;
  for (let i = 0; i < 3 && cut > 0 && ((data[cut] ?? 0) & 0xc0) === 0x80; i++) cut -= 1;
  return cut;
}

/** PostgreSQL text cannot hold NUL, so it becomes U+FFFD like any other undecodable byte. */
function decode(data: Buffer, start: number, end: number): string {
  const text = data.toString('utf8', start, end);
  return text.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text;
}
