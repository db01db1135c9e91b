/** A script's `::progress <done>/<total>` line, as the worker reads it. */
const progressMark = /^::progress (\d{1,15})\/(\d{1,15})\s*$/;

export function parseProgress(text: string): { done: number; total: number } | undefined {
  const match = progressMark.exec(text);
  if (!match) return undefined;
  const done = Number(match[1]);
  const total = Number(match[2]);
  return total > 0 && done <= total ? { done, total } : undefined;
}

/**
 * The CLI's progress bar on a terminal's stderr: one line, redrawn in place. Other output first
 * clears it (`around`), so log lines and the bar never share a line.
 */
export class ProgressBar {
  private shown: string | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number): void {
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 30));
    const filled = Math.round((done / total) * width);
    const percent = Math.floor((done / total) * 100);
    this.shown = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}`;
    this.stream.write(`\r\u001b[2K${this.shown}`);
  }

  /** Runs `write` with the bar out of the way, then draws it again. */
  around(write: () => void): void {
    if (this.shown === undefined) return write();
    this.stream.write('\r\u001b[2K');
    write();
    this.stream.write(this.shown);
  }

  /** Leaves the terminal with the bar's last state on its own line. */
  finish(): void {
    if (this.shown !== undefined) this.stream.write('\n');
    this.shown = undefined;
  }
}
