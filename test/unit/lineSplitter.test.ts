import { LineSplitter } from '../../src/logs/lineSplitter';
import { inPieces, pieceChars } from '../../src/pieces';

describe('LineSplitter', () => {
  test('when chunks split lines anywhere, then lines come out whole with the offset just past each newline', () => {
    const splitter = new LineSplitter(100);
    const out = [...splitter.push(Buffer.from('ab')), ...splitter.push(Buffer.from('c\nde\n')), ...splitter.push(Buffer.from('f'))];
    expect(out).toEqual([
      { text: 'abc', endOffset: 104, continued: false },
      { text: 'de', endOffset: 107, continued: false },
    ]);
    expect(splitter.offset).toBe(107);
    expect(splitter.end()).toEqual([{ text: 'f', endOffset: 108, continued: false }]);
  });

  test('when lines end in CRLF, then the CR is dropped but counted in the offset', () => {
    const splitter = new LineSplitter(0);
    expect(splitter.push(Buffer.from('x\r\n\r\n'))).toEqual([
      { text: 'x', endOffset: 3, continued: false },
      { text: '', endOffset: 5, continued: false },
    ]);
  });

  test('when bytes are not valid UTF-8 or contain NUL, then they become U+FFFD', () => {
    const splitter = new LineSplitter(0);
    const [line] = splitter.push(Buffer.from([0x61, 0xff, 0x00, 0x62, 0x0a]));
    expect(line?.text).toBe('a\uFFFD\uFFFDb');
  });

  test('when a line is longer than the cap, then it is cut at a character boundary and marked continued', () => {
    const splitter = new LineSplitter(0, 5);
    const lines = splitter.push(Buffer.from('abcdé€fg\n'));
    expect(lines.map((l) => l.text).join('')).toBe('abcdé€fg');
    expect(lines.slice(0, -1).every((l) => l.continued)).toBe(true);
    expect(lines.every((l) => !l.text.includes('\uFFFD'))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ continued: false, endOffset: Buffer.byteLength('abcdé€fg\n') });
  });
});

describe('LineSplitter, whatever the chunking', () => {
  /** A small deterministic generator, so a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  test('when the same bytes arrive cut at random places, then the lines and offsets are those of one whole chunk', () => {
    const pieces = ['plain', 'crlf\r', 'é€😀 unicode', '', 'x'.repeat(23), '\0nul', '\xff', 'tab\there'];
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const parts: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        const text = pieces[Math.floor(next() * pieces.length)]!;
        parts.push(Buffer.from(text, text === '\xff' ? 'latin1' : 'utf8'), Buffer.from(next() < 0.9 ? '\n' : ''));
      }
      const bytes = Buffer.concat(parts);
      const whole = new LineSplitter(7, 16);
      const expected = [...whole.push(bytes), ...whole.end()];

      const chunked = new LineSplitter(7, 16);
      const got = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(next() * 40);
        got.push(...chunked.push(bytes.subarray(at, at + size)));
        at += size;
      }
      got.push(...chunked.end());
      expect(got).toEqual(expected);
      expect(chunked.offset).toBe(7 + bytes.length);
    }
  });
});

describe('inPieces', () => {
  test('when items are rendered, then the pieces join to the whole rendering, none much over the size, in order', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
    const pieces = [...inPieces(items, (s) => `${s}\n`)];
    expect(pieces.join('')).toBe(items.map((s) => `${s}\n`).join(''));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length < pieceChars + 200)).toBe(true);
    expect([...inPieces([], String)]).toEqual([]);
  });
});
