import { get } from 'node:http';
import type { Server } from 'node:http';

import type { Pool, QueryResult } from 'pg';

import { startOwnApi } from './support/ownApi';
import { isFinished, startHarness, type Harness } from './support/harness';

const KiB = 1024;
const MiB = 1024 * KiB;
/** What the README and the OpenAPI document promise for one GET /logs answer. */
const logsPageCap = 4 * MiB;
/** What a stream (SSE catch-up, logs.txt) may read from PostgreSQL at a time. */
const streamPageCap = 1 * MiB;
/** Node's default socket high-water mark plus one rendered piece (at most one 64 KiB line as an event). */
const bufferedCap = 256 * KiB;

const lineBytes = 64 * KiB;
const total = 300;
const lineText = (i: number) => `${String(i).padStart(6, '0')} ${'x'.repeat(lineBytes - 7)}`;

/** The pool, recording the bytes of line text each read of log_lines returned. */
function recordingPool(pool: Pool, textBytesPerRead: number[]): Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return async (...args: unknown[]) => {
          const result = (await (target.query as (...a: unknown[]) => Promise<QueryResult>)(...args)) as QueryResult<{ text?: unknown }>;
          const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
          if (sql?.includes('from log_lines')) {
            textBytesPerRead.push(result.rows.reduce((n, row) => n + Buffer.byteLength(String(row.text ?? '')), 0));
          }
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The most bytes the server ever held unsent for a response to a URL containing `pathPart`. */
function watchBuffered(server: Server, pathPart: string): { max: number } {
  const seen = { max: 0 };
  server.prependListener('request', (req, res) => {
    if (!req.url?.includes(pathPart)) return;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      const ok = write(...args);
      seen.max = Math.max(seen.max, res.writableLength);
      return ok;
    }) as typeof res.write;
  });
  return seen;
}

/** The largest read and the most bytes buffered, or 'within cap' when they are within the caps. */
function bounds(textBytesPerRead: number[], mostBuffered: number): { largestRead: number | string; mostBuffered: number | string } {
  const largestRead = Math.max(...textBytesPerRead);
  return {
    largestRead: largestRead <= streamPageCap ? 'within cap' : largestRead,
    mostBuffered: mostBuffered <= bufferedCap ? 'within cap' : mostBuffered,
  };
}

/** A client that reads nothing for `stallMs`, then reads the whole answer. */
function slowGet(url: string, headers: Record<string, string>, stallMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      res.pause();
      setTimeout(() => {
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.join('') }));
        res.on('error', reject);
        res.resume();
      }, stallMs);
    });
    req.on('error', reject);
  });
}

describe('log pages and streams are bounded in bytes, not only in lines', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness();
    const script = h.writeScript(
      'wide-lines.js',
      `const pad = 'x'.repeat(${lineBytes - 7});\nfor (let i = 1; i <= ${total}; i++) process.stdout.write(String(i).padStart(6, '0') + ' ' + pad + '\\n');`,
    );
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: script });
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(started.status).toBe(202);
    id = started.body.id;
    const done = await h.waitForExecution(id, isFinished, 90_000);
    expect(done).toMatchObject({ status: 'succeeded', lineCount: total });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${h.adminToken}` });

  test('when pages of 64 KiB lines are asked with limit=5000, then no answer exceeds the documented cap and paging returns every line once, in order', async () => {
    const seqs: number[] = [];
    const texts: string[] = [];
    let pages = 0;
    for (let after = 0; ; ) {
      const res = await fetch(`${h.url}/api/v1/executions/${id}/logs?after=${after}&limit=5000`, { headers: auth() });
      expect(res.status).toBe(200);
      const raw = await res.text();
      const page = JSON.parse(raw) as { lines: { seq: number; text: string }[]; nextAfter: number; complete: boolean };
      pages += 1;
      const textBytes = page.lines.reduce((n, l) => n + Buffer.byteLength(l.text), 0);
      expect(textBytes).toBeLessThanOrEqual(logsPageCap);
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(logsPageCap + 200 * page.lines.length);
      seqs.push(...page.lines.map((l) => l.seq));
      texts.push(...page.lines.map((l) => l.text));
      if (page.complete) break;
      expect(page.lines.length).toBeGreaterThan(0);
      expect(page.nextAfter).toBe(page.lines.at(-1)!.seq);
      after = page.nextAfter;
      expect(pages).toBeLessThan(100);
    }
    expect(pages).toBeGreaterThan(1);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(texts.every((t, i) => t === lineText(i + 1))).toBe(true);
    const doc = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    expect(doc.body.paths['/api/v1/executions/{id}/logs'].get.description).toContain('4 MiB');
  });

  test('when a client that reads nothing for a while follows the finished log from the start, then the server reads and buffers little at a time, and the client gets every line once, then end', async () => {
    const reads: number[] = [];
    const api = await startOwnApi(h, { pool: recordingPool(h.pool, reads) });
    const buffered = watchBuffered(api.server, '/logs/stream');
    try {
      const res = await slowGet(`${api.url}/api/v1/executions/${id}/logs/stream`, auth(), 1500);
      expect(res.status).toBe(200);
      const events = res.body
        .split('\n\n')
        .filter((block) => block.startsWith('id: ') || block.startsWith('event: '))
        .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') }));
      const lines = events.filter((e) => e.event === 'log').map((e) => e.data as { seq: number; text: string });
      expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(lines.every((l) => l.text === lineText(l.seq))).toBe(true);
      expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'succeeded', lastSeq: total } });
      expect(bounds(reads, buffered.max)).toEqual({ largestRead: 'within cap', mostBuffered: 'within cap' });
    } finally {
      await api.stop();
    }
  });

  test('when a client that reads nothing for a while downloads logs.txt, then the server reads and buffers little at a time, and the text is the whole log', async () => {
    const reads: number[] = [];
    const api = await startOwnApi(h, { pool: recordingPool(h.pool, reads) });
    const buffered = watchBuffered(api.server, '/logs.txt');
    try {
      const res = await slowGet(`${api.url}/api/v1/executions/${id}/logs.txt`, auth(), 1500);
      expect(res.status).toBe(200);
      const expected = Array.from({ length: total }, (_, i) => `${lineText(i + 1)}\n`).join('');
      expect(res.body.length).toBe(expected.length);
      expect(res.body === expected).toBe(true);
      expect(bounds(reads, buffered.max)).toEqual({ largestRead: 'within cap', mostBuffered: 'within cap' });
    } finally {
      await api.stop();
    }
  });
});
