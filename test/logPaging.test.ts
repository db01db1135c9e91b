import { isFinished, startHarness, type Harness } from './support/harness';

const KiB = 1024;
const MiB = 1024 * KiB;
/** What the README and the OpenAPI document promise for one GET /logs answer. */
const logsPageCap = 4 * MiB;

const lineBytes = 64 * KiB;
const total = 300;
const lineText = (i: number) => `${String(i).padStart(6, '0')} ${'x'.repeat(lineBytes - 7)}`;

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
});
