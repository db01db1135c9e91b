import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The scripts the bench runs "remotely" (on this machine, over the loopback sshd), as plain
 * CommonJS for `node`. They write with `fs.writeSync(1, …)` and never touch `process.stdout`,
 * so fd 1 stays as inherited (a file under Migrator, a pipe under plain ssh) and nothing is
 * buffered inside node.
 */

/** Bytes per line of `bulk.js`, newline included. */
export const bulkLineBytes = 80;

const writeAll = `
const fs = require('node:fs');
function writeAll(text) {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}
const filler = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.repeat(3);
`;

/** `bulk.js <lines>`: 80-byte lines (`<seq, 10 digits> <68 chars>`), 10,000 per write. */
const bulk = `'use strict';
${writeAll}
const total = Number(process.argv[2]);
const perWrite = 10000;
for (let first = 1; first <= total; first += perWrite) {
  const last = Math.min(total, first + perWrite - 1);
  let chunk = '';
  for (let i = first; i <= last; i++) chunk += String(i).padStart(10, '0') + ' ' + filler.slice(i % 64, (i % 64) + 68) + '\\n';
  writeAll(chunk);
}
`;

/**
 * \`paced.js <linesPerSecond> <seconds>\`: prints at a steady rate, every line starting with the
 * wall-clock time of its write in ms (\`performance.timeOrigin + performance.now()\`, µs digits).
 */
const paced = `'use strict';
${writeAll}
const rate = Number(process.argv[2]);
const total = rate * Number(process.argv[3]);
const wall = () => performance.timeOrigin + performance.now();
const t0 = performance.now();
let printed = 0;
function tick() {
  const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
  if (due > printed) {
    const at = wall().toFixed(3);
    let chunk = '';
    while (printed < due) {
      printed += 1;
      const head = at + ' ' + String(printed).padStart(8, '0') + ' ';
      chunk += head + filler.slice(0, 79 - head.length) + '\\n';
    }
    writeAll(chunk);
  }
  if (printed < total) setTimeout(tick, 1);
}
tick();
`;

const one = `'use strict';
${writeAll}
writeAll('dispatch ' + new Date().toISOString() + '\\n');
`;

export interface BenchScripts {
  dir: string;
  bulk: string;
  paced: string;
  one: string;
}

/** Writes the scripts into `dir`; the jobs point at these absolute paths. */
export function writeBenchScripts(dir: string): BenchScripts {
  mkdirSync(dir, { recursive: true });
  const files = { bulk, paced, one };
  const paths = Object.fromEntries(
    Object.entries(files).map(([name, source]) => {
      const file = path.join(dir, `${name}.js`);
      writeFileSync(file, source, { mode: 0o644 });
      return [name, file];
    }),
  ) as Record<keyof typeof files, string>;
  return { dir, ...paths };
}
