import { readFileSync } from 'node:fs';

/**
 * `tsx bench/apicost/buckets.ts <file.cpuprofile> <requests>`: where an API process's time went per
 * request, each sample in one bucket by the first rule its stack meets (bench/profile.ts gives the
 * self time by function). V8 samples by wall clock: on a busy machine, time the process waited for a
 * core counts to whatever ran before (socket writes above all, which wake the reader).
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, nArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
type Frame = Node['callFrame'];
const rules: [string, (stack: Frame[]) => boolean][] = [
  ['idle', (s) => s[0]!.functionName === '(idle)' || s[0]!.functionName === '(program)'],
  ['garbage collector', (s) => s[0]!.functionName === '(garbage collector)'],
  ['res.json: JSON.stringify', (s) => s.some((f) => f.functionName === 'stringify' && f.url.includes('express'))],
  ['res.send: etag', (s) => s.some((f) => f.functionName === 'generateETag')],
  ['res.send: socket write (writev)', (s) => s.some((f) => f.functionName === 'send' && f.url.includes('express')) && s[0]!.functionName === 'writev'],
  ['res.send: rest', (s) => s.some((f) => f.functionName === 'send' && f.url.includes('express'))],
  ['executionView', (s) => s.some((f) => f.functionName === 'executionView')],
  ['zod query parse', (s) => s.some((f) => f.functionName === 'parseQueryOrThrow')],
  ['pg: parse rows (types)', (s) => s.some((f) => f.functionName === 'parseRow' || f.url.includes('postgres-date') || f.url.includes('pg-types'))],
  ['pg: protocol/other', (s) => s.some((f) => /node_modules\/pg(-protocol|-pool)?\//.test(f.url)) && s[0]!.functionName !== 'writev'],
  ['pg: socket write (writev)', (s) => s.some((f) => /node_modules\/pg\//.test(f.url))],
  [
    'http: request parse/socket',
    (s) => s.some((f) => f.url.startsWith('node:_http') || f.functionName === 'parserOnHeadersComplete') && !s.some((f) => /node_modules\/(express|router)\//.test(f.url)),
  ],
  ['express/router other', (s) => s.some((f) => /node_modules\/(express|router)\//.test(f.url))],
  ['bench wrapper', (s) => s.some((f) => f.url.includes('bench/apicost'))],
  ['other', () => true],
];
const sums = new Map<string, number>();
p.samples.forEach((id, i) => {
  const stack: Frame[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
  const rule = rules.find(([, test]) => test(stack))![0];
  sums.set(rule, (sums.get(rule) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const n = Number(nArg);
let busy = 0;
for (const [k, v] of sums) if (k !== 'idle') busy += v;
console.log(`busy ${(busy / 1000 / n).toFixed(3)} ms/request over ${n} requests`);
for (const [k, v] of [...sums].sort((a, b) => b[1] - a[1])) console.log(`${k.padEnd(34)} ${(v / 1000 / n).toFixed(3)} ms/request`);
