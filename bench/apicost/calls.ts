import { readFileSync } from 'node:fs';

import { encodeCursor } from '../../src/api/cursor';
import { createPool } from '../../src/db/pool';
import { deepSortKey, listCases } from '../history/listCases';
import { formatMs, type LatencySummary, median, summarizeLatency } from '../measure';

/**
 * `BENCH_DATABASE_URL=... tsx bench/apicost/calls.ts <api url>[,<api url>...] <history.json> [calls] [name part]`:
 * p50/p99 of bench item 10's pages (GET /executions with each filter, first and deep; the big run's log,
 * start and tail), `calls` sequential calls each. With several APIs (serve.ts of two checkouts) their
 * calls alternate, so they share the machine's load. `API_COST_PROFILE=<file prefix>` writes a CPU
 * profile of each API over the calls (read it with buckets.ts). Then prints each API's report.
 */
const [bases, genFile, callsArg, only] = process.argv.slice(2);
const urls = bases!.split(',');
const calls = Number(callsArg ?? 100);

async function main(): Promise<void> {
  const gen = JSON.parse(readFileSync(genFile!, 'utf8')) as { executions?: number; bigId: string; jobIds: string[]; environmentIds: string[] };
  const pool = createPool(process.env.BENCH_DATABASE_URL!);
  const cases = await listCases(pool, gen);
  const deep = await deepSortKey(pool, gen.executions ?? 200_000);
  await pool.end();
  const cursor = encodeCursor([deep.createdAt, deep.id]);
  const get = (path: string, query: Record<string, string | number>, base = urls[0]) => async () => {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const res = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`, { headers: { authorization: 'Bearer api-cost-admin-token' } });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  const rows: [string, LatencySummary[]][] = [];
  const run = async (name: string, call: (base: string) => () => Promise<unknown>) => {
    if (only && !name.includes(only)) return;
    const ms: number[][] = urls.map(() => []);
    for (const u of urls) await call(u)();
    for (let i = 0; i < calls; i++) {
      for (const [k, u] of urls.entries()) {
        const started = performance.now();
        await call(u)();
        ms[k]!.push(performance.now() - started);
      }
    }
    const s = ms.map(summarizeLatency);
    rows.push([name, s]);
    console.log(`${name.padEnd(56)} ${s.map((x) => `p50 ${formatMs(x.p50).padStart(7)} p99 ${formatMs(x.p99).padStart(7)}`).join('  |  ')}`);
  };
  const profile = process.env.API_COST_PROFILE;
  for (const u of urls) {
    await get('/api/v1/executions', {}, u)();
    await fetch(`${u}/__report`);
    if (profile) await fetch(`${u}/__profile/start`);
  }
  await run('GET /executions/:id (big)', (u) => get(`/api/v1/executions/${gen.bigId}`, {}, u));
  for (const c of cases) {
    await run(`list ${c.name}: first`, (u) => get('/api/v1/executions', c.query, u));
    await run(`list ${c.name}: deep`, (u) => get('/api/v1/executions', { ...c.query, cursor }, u));
  }
  await run('logs start (after=0)', (u) => get(`/api/v1/executions/${gen.bigId}/logs`, { after: 0 }, u));
  await run('logs tail (tail=1000)', (u) => get(`/api/v1/executions/${gen.bigId}/logs`, { tail: 1000 }, u));
  const lists = rows.filter(([n]) => n.startsWith('list '));
  for (const [k, u] of urls.entries()) {
    if (!lists.length) break;
    const worst = Math.max(...lists.map(([, s]) => s[k]!.p99));
    const p50 = median(lists.map(([, s]) => s[k]!.p50));
    const p99 = median(lists.map(([, s]) => s[k]!.p99));
    console.log(`${u} lists (${lists.length} cases): median p50 ${formatMs(p50)}, median p99 ${formatMs(p99)}, worst p99 ${formatMs(worst)}`);
  }
  for (const [k, u] of urls.entries()) {
    if (profile) await fetch(`${u}/__profile/stop?file=${encodeURIComponent(`${profile}.${k}.cpuprofile`)}`);
    const report = (await (await fetch(`${u}/__report`)).json()) as { requests: Record<string, { n: number; meanMs: number; meanDbMs: number }> };
    console.log(u, JSON.stringify(report));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
