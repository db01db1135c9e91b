import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes `lines` lines of `bulk.js` (run locally, so the text is byte for byte what the remote
 * run prints) as COPY text rows `execution_id, seq, stream, ts, text` into `file`. The lines
 * hold no tab, backslash or newline, so no escaping is needed.
 */
export async function writeCopyFile(bulkScript: string, lines: number, executionId: string, file: string): Promise<void> {
  const out = createWriteStream(file);
  const ts = new Date().toISOString();
  const child = spawn(process.execPath, [bulkScript, String(lines)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let carry = '';
  let seq = 0;
  for await (const chunk of child.stdout) {
    const parts = (carry + (chunk as Buffer).toString('utf8')).split('\n');
    carry = parts.pop() ?? '';
    const rows = parts.map((text) => `${executionId}\t${++seq}\tstdout\t${ts}\t${text}\n`).join('');
    if (!out.write(rows)) await once(out, 'drain');
  }
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0 || carry !== '' || seq !== lines) throw new Error(`bulk.js made ${seq} lines (exit ${code}), expected ${lines}.`);
  out.end();
  await once(out, 'finish');
}

/** The text of the first `lines` lines of `bulk.js`, for the one-INSERT-per-line baseline. */
export async function bulkLines(bulkScript: string, lines: number): Promise<string[]> {
  const child = spawn(process.execPath, [bulkScript, String(lines)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const result = text.split('\n');
  if (result.pop() !== '' || result.length !== lines) throw new Error(`bulk.js made ${result.length} lines, expected ${lines}.`);
  return result;
}
