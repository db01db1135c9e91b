/** The look a run of text got from terminal SGR escapes: indexes into the 16 terminal colours. */
export interface AnsiStyle {
  fg?: number;
  bg?: number;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle | undefined;
}

// CSI sequences (SGR ends in `m`), OSC strings (window titles, hyperlinks), two-byte escapes, and
// the other C0 controls but tab: none of them is ever shown as it is.
const escapes = /\x1b\[([0-9;:?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|[\x00-\x08\x0a-\x1f\x7f]/g;
const anyControl = /[\x00-\x08\x0a-\x1f\x7f]/;

function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const next = { ...style };
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) {
      for (const key of Object.keys(next)) delete next[key as keyof AnsiStyle];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      // 256 colours keep their first 16; true colour is dropped (the text stays readable).
      const key = code === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) {
        const index = codes[i + 2] ?? 0;
        if (index < 16) next[key] = index;
        i += 2;
      } else if (codes[i + 1] === 2) i += 4;
    }
  }
  return next;
}

function isPlain(style: AnsiStyle): boolean {
  return Object.values(style).every((v) => v === undefined || v === false);
}

/** Splits a line into runs of text and their terminal styles; every escape and control byte is removed. */
export function parseAnsi(line: string): AnsiSegment[] {
  if (!line.includes('\x1b') && !anyControl.test(line)) return [{ text: line, style: undefined }];
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let from = 0;
  const push = (text: string): void => {
    if (text) segments.push({ text, style: isPlain(style) ? undefined : style });
  };
  for (const match of line.matchAll(escapes)) {
    push(line.slice(from, match.index));
    from = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
  }
  push(line.slice(from));
  return segments;
}

/** The CSS classes of a style (see logViewer.css). */
export function ansiClasses(style: AnsiStyle): string {
  const classes: string[] = [];
  if (style.fg !== undefined) classes.push(`ansi-fg-${style.fg}`);
  if (style.bg !== undefined) classes.push(`ansi-bg-${style.bg}`);
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  return classes.join(' ');
}
