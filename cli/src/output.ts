/** Output for people on a TTY, JSON for scripts; colour only on a TTY and never with NO_COLOR. */
export function colours(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function paint(stream: NodeJS.WriteStream, colour: keyof typeof codes, text: string): string {
  return colours(stream) ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

export function statusColour(status: string): keyof typeof codes {
  if (status === 'succeeded') return 'green';
  if (status === 'failed' || status === 'rejected' || status === 'cancelled') return 'red';
  return 'yellow';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A table that fits the terminal: columns as wide as their widest cell, the last one cut to what
 * is left of the line on a TTY (never in a pipe, where nothing wraps).
 */
export function printTable(headers: string[], rows: string[][], stream: NodeJS.WriteStream = process.stdout): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const budget = stream.isTTY ? stream.columns : undefined;
  const line = (cells: string[]): string => {
    let text = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    if (budget && text.length > budget) text = `${text.slice(0, Math.max(budget - 1, 0))}…`;
    return text.trimEnd();
  };
  stream.write(`${line(headers)}\n`);
  for (const row of rows) stream.write(`${line(row)}\n`);
}

/** `key: value` lines, keys aligned, for `show`. */
export function printFields(fields: [string, string | number | boolean | null | undefined][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [key, value] of fields) process.stdout.write(`${`${key}:`.padEnd(width + 2)}${value === null || value === undefined ? '-' : String(value)}\n`);
}

/** An API timestamp as people read it: `2026-11-25 20:39:48Z`; `-` for none. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}
