import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dataOrThrow } from '@migrator/api-client';

import { ensureSource } from '../../scripts/lib/catalog';
import { loopbackEnvironment } from '../../scripts/lib/loopbackSshd';
import { encodeCursor } from '../../src/api/cursor';
import { listExecutions } from '../../src/db/executions';
import { readLines, readLinesBefore } from '../../src/db/logStore';
import { logsPageMaxBytes, streamPageMaxBytes, streamPageMaxLines } from '../../src/logs/pageBudget';
import { type BenchContext, ensureJob } from '../context';
import { explainingPool, summarizePlan, withoutIndex } from '../history/explain';
import {
  dropHistory,
  type HistoryCatalog,
  type HistorySize,
  historyWorkflowPrefix,
  loadHistory,
} from '../history/generate';
import { deepSortKey, type ListCase, listCases, listPageSize } from '../history/listCases';
import { measureRetention } from '../history/retentionUnderLoad';
import { describeSizes, formatBytes, type HistorySizes, historySizes } from '../history/sizes';
import { timeCalls } from '../history/timeCalls';
import { formatMs, formatRatio, runCommand, type LatencySummary } from '../measure';
import { type ItemOutput, verdict } from '../report';

export interface HistoryOptions {
  executions: number;
  lines: number;
  /** Leave the generated history in place (for EXPLAIN by hand); the next run drops it first. */
  keep: boolean;
}

export const defaultHistory: HistoryOptions = { executions: 1_000_000, lines: 50_000_000, keep: false };

const pageTargetMs = 50;

function describe(s: LatencySummary): string {
  return `p50 ${formatMs(s.p50)} / p99 ${formatMs(s.p99)}${s.count < 100 ? ` (${s.count} calls)` : ''}`;
}

/** Four sources, twenty jobs, five environments, registered through the API as an admin would. */
async function registerHistoryCatalog(ctx: BenchContext): Promise<HistoryCatalog> {
  const sources: string[] = [];
  for (let s = 1; s <= 4; s++) sources.push((await ensureSource(ctx.api.client, { name: `history-source-${s}`, system: 'bench' })).id);
  const jobIds: string[] = [];
  for (let j = 1; j <= 20; j++) jobIds.push(await ensureJob(ctx.api, `history-job-${j}`, sources[j % 4]!, ctx.scripts.one, []));
  const environmentIds: string[] = [];
  for (let e = 1; e <= 5; e++) {
    const body = { ...loopbackEnvironment(ctx.sshd, `history-${e}`), maxConcurrency: 1 };
    environmentIds.push(dataOrThrow(await ctx.api.client.POST('/api/v1/environments', { body })).id);
  }
  return { jobIds, environmentIds };
}

async function dropHistoryCatalog(ctx: BenchContext): Promise<void> {
  await ctx.db.query(`delete from jobs where name like 'history-job-%'`);
  await ctx.db.query(`delete from sources where name like 'history-source-%'`);
  await ctx.db.query(`delete from environments where name like 'history-%-loopback-%'`);
}

/** Item 10: a history of `executions` runs and `lines` log lines: pages of the API, EXPLAIN, retention while a run writes. */
export async function benchHistory(ctx: BenchContext, out: ItemOutput, options: HistoryOptions): Promise<void> {
  const size: HistorySize = { executions: options.executions, lines: options.lines, bigLines: Math.floor(options.lines / 5) };
  const sizes: Partial<Record<'before' | 'loaded' | 'afterRetention' | 'after', HistorySizes>> & { before: HistorySizes } = {
    before: await historySizes(ctx.db),
  };
  ctx.say(`history: before: ${describeSizes(sizes.before)}`);
  await dropHistory(ctx.db);
  await dropHistoryCatalog(ctx);
  const catalog = await registerHistoryCatalog(ctx);
  const planFile = path.join(__dirname, '..', 'HISTORY-PLANS.md');
  try {
    ctx.say(`history: generating ${size.executions} executions and ${size.lines} log lines (one of ${size.bigLines})...`);
    const genStarted = performance.now();
    const bigId = await loadHistory(ctx.db, size, catalog, (done) =>
      ctx.say(`history: loaded chunk ${done} (${((performance.now() - genStarted) / 1000).toFixed(0)} s)`),
    );
    const loadMs = performance.now() - genStarted;
    ctx.say(`history: loaded in ${(loadMs / 1000).toFixed(0)} s; vacuum analyze...`);
    const vacuumStarted = performance.now();
    await ctx.db.query('vacuum (analyze) executions');
    await ctx.db.query('vacuum (analyze) log_lines');
    const vacuumMs = performance.now() - vacuumStarted;
    const counts = (
      await ctx.db.query<{ executions: string; lines: string; big: string }>(
        `select (select count(*) from executions where workflow_id like '${historyWorkflowPrefix}%') as executions,
                (select sum(last_seq) from executions where workflow_id like '${historyWorkflowPrefix}%') as lines,
                (select last_seq from executions where id = $1) as big`,
        [bigId],
      )
    ).rows[0]!;
    sizes.loaded = await historySizes(ctx.db);
    ctx.say(`history: ${counts.executions} executions, ${counts.lines} lines; vacuum ${(vacuumMs / 1000).toFixed(0)} s; ${describeSizes(sizes.loaded!)}`);

    // Pages of GET /executions: each filter alone and none, first page and a page a year deep.
    const cases = await listCases(ctx.db, catalog);
    const deep = await deepSortKey(ctx.db, size.executions);
    const cursor = encodeCursor([deep.createdAt, deep.id]);
    const plans: string[] = [];
    // The API's floor on this machine at this moment: an authenticated JSON answer from one primary-key read.
    const byId = await timeCalls(() => ctx.api.execution(bigId));
    const loadDuringPages = os.loadavg()[0]!;
    ctx.say(`history: GET /executions/:id ${describe(byId)}; load average ${loadDuringPages.toFixed(1)}`);
    const pageRows: { name: string; first: LatencySummary; deep: LatencySummary; plans: ReturnType<typeof summarizePlan>[] }[] = [];
    for (const c of cases) {
      const call = (query: Record<string, string>) => async () =>
        dataOrThrow(await ctx.api.client.GET('/api/v1/executions', { params: { query: query as never } }));
      const first = await timeCalls(call(c.query));
      const deepPage = await timeCalls(call({ ...c.query, cursor }));
      const explained = await explainList(ctx, c, deep, plans);
      pageRows.push({ name: c.name, first, deep: deepPage, plans: explained });
      ctx.say(`history: GET /executions ${c.name}: first ${describe(first)}, deep ${describe(deepPage)}; plans ${explained.map((p) => `${p.ms} ms [${p.indexes.join(', ')}]${p.seqScans.length ? ` SEQ ${p.seqScans.join(', ')}` : ''}`).join('; ')}`);
    }

    // What 0015's index changed: the rare login's first page planned without it.
    const rare = cases.find((c) => c.filter.startedBy === 'history-rare-user')!;
    const unindexed = await withoutIndex(ctx.db, 'executions_started_by_created_idx', async (client) => {
      const explain = explainingPool(client);
      await listExecutions(explain.pool, { ...rare.filter, limit: listPageSize + 1 });
      plans.push(`### GET /executions, ${rare.name}, first page, without executions_started_by_created_idx (before 0015)\n\n\`\`\`\n${explain.plans[0]!.join('\n')}\n\`\`\`\n`);
      return summarizePlan(explain.plans[0]!);
    });
    ctx.say(`history: rare login without 0015's index: ${unindexed.ms} ms`);

    // The big execution's log: first page, a page in the middle, the tail, and logs.txt whole.
    const logCall = (query: Record<string, number>) => async () =>
      dataOrThrow(await ctx.api.client.GET('/api/v1/executions/{id}/logs', { params: { path: { id: bigId }, query: query as never } }));
    const logStart = await timeCalls(logCall({ after: 0 }));
    const logMiddle = await timeCalls(logCall({ after: Math.floor(size.bigLines / 2) }));
    const logTail = await timeCalls(logCall({ tail: 1000 }));
    const logPlans = [
      await explainLog(ctx, 'logs, first page (after=0, limit 1000)', plans, (pool) => readLines(pool, bigId, 0, { maxLines: 1000, maxBytes: logsPageMaxBytes })),
      await explainLog(ctx, 'logs, tail=1000', plans, (pool) => readLinesBefore(pool, bigId, Number.MAX_SAFE_INTEGER, { maxLines: 1000, maxBytes: logsPageMaxBytes })),
      await explainLog(ctx, 'logs.txt, one read in the middle', plans, (pool) =>
        readLines(pool, bigId, Math.floor(size.bigLines / 2), { maxLines: streamPageMaxLines, maxBytes: streamPageMaxBytes }),
      ),
    ];
    ctx.say(`history: logs start ${describe(logStart)}, middle ${describe(logMiddle)}, tail ${describe(logTail)}`);

    const download = await downloadLogText(ctx, bigId);
    ctx.say(`history: logs.txt ${formatBytes(download.bytes)} in ${(download.ms / 1000).toFixed(1)} s`);
    const copyOut = await runCommand('psql', [
      ctx.stack.databaseUrl,
      '-X',
      '-q',
      '-c',
      `\\copy (select text from log_lines where execution_id = '${bigId}' order by seq) to '/dev/null'`,
    ]);
    ctx.say(`history: psql \\copy of the same text to /dev/null ${(copyOut.ms / 1000).toFixed(1)} s`);
    writeFileSync(planFile, renderPlans(size, plans));

    // Retention of a fifth of the lines while an execution writes.
    const retention = await measureRetention(ctx, { target: Math.floor(size.lines / 5) });
    sizes.afterRetention = retention.sizes;

    const worstFirst = Math.max(...pageRows.map((r) => r.first.p99));
    const worstDeep = Math.max(...pageRows.map((r) => r.deep.p99));
    const pagesWithSeqScan = pageRows.filter((r) => r.plans.some((p) => p.seqScans.length));
    out.rows.push(
      {
        item: '10',
        figure: `history ${size.executions / 1e6} M executions: GET /executions first page, worst p99 of ${pageRows.length} filters`,
        migrator: formatMs(worstFirst),
        baseline: `GET /executions/:id p99 ${formatMs(byId.p99)}`,
        ratio: formatRatio(worstFirst / byId.p99),
        target: `p99 ≤ ${pageTargetMs} ms`,
        verdict: verdict(worstFirst <= pageTargetMs),
      },
      {
        item: '10',
        figure: 'history: GET /executions a page a year deep (cursor), worst p99',
        migrator: formatMs(worstDeep),
        baseline: `GET /executions/:id p99 ${formatMs(byId.p99)}`,
        ratio: formatRatio(worstDeep / byId.p99),
        target: `p99 ≤ ${pageTargetMs} ms`,
        verdict: verdict(worstDeep <= pageTargetMs),
      },
      ...[
        [`logs of a ${size.bigLines / 1e6} M-line run: first page (1000 lines)`, logStart],
        ['logs: a page in the middle (after=)', logMiddle],
        ['logs: the tail (tail=1000)', logTail],
      ].map(([figure, s]) => ({
        item: '10',
        figure: String(figure),
        migrator: describe(s as LatencySummary),
        baseline: `GET /executions/:id ${describe(byId)}`,
        ratio: formatRatio((s as LatencySummary).p99 / byId.p99),
        target: `p99 ≤ ${pageTargetMs} ms`,
        verdict: verdict((s as LatencySummary).p99 <= pageTargetMs),
      })),
      {
        item: '10',
        figure: `logs.txt of the ${size.bigLines / 1e6} M-line run (${formatBytes(download.bytes)}), whole download`,
        migrator: `${(download.ms / 1000).toFixed(1)} s`,
        baseline: `psql \\copy to /dev/null ${(copyOut.ms / 1000).toFixed(1)} s`,
        ratio: `${(download.ms / copyOut.ms).toFixed(2)}×`,
        target: '',
        verdict: '',
      },
      ...retention.rows,
    );
    out.notes.push(
      `Item 10: generated with SQL (generate_series, triggers off as pg_restore loads) in ${(loadMs / 1000).toFixed(0)} s, then VACUUM (ANALYZE) in ${(vacuumMs / 1000).toFixed(0)} s: ` +
        `${counts.executions} executions created evenly over two years over 20 jobs of 4 sources and 5 environments, 40 logins, 90 % succeeded / 6 % failed / 3 % cancelled / 1 % rejected, ` +
        `${counts.lines} log lines of 80 B, one execution of ${counts.big} lines (finished 3 days ago). Disk: ${describeSizes(sizes.before)} before; ${describeSizes(sizes.loaded!)} loaded.`,
      `Item 10 pages, 100 calls each through the API (generated client, admin token), p50/p99: ` +
        pageRows.map((r) => `${r.name}: first ${describe(r.first)}, deep ${describe(r.deep)}`).join('; ') +
        `. Baseline GET /executions/:id of the big run (one primary-key read) ${describe(byId)}; load average ${loadDuringPages.toFixed(1)} on 2 cores when the pages began. Deep = the cursor of the execution in the middle of the history (about a year back). EXPLAIN (ANALYZE, BUFFERS) of each listExecutions and readLines query in bench/HISTORY-PLANS.md; ` +
        (pagesWithSeqScan.length ? `sequential scans in: ${pagesWithSeqScan.map((r) => r.name).join(', ')}.` : 'every one runs on index scans, no sequential scan.') +
        ` Log reads: ${logPlans.map((p) => `${p.name} ${p.ms} ms [${p.indexes.join(', ')}]`).join('; ')}.`,
      `Item 10, migration 0015 (index on executions (started_by, created_at desc, id desc)): the first page for a login with 1 in 20,000 runs ` +
        `took ${unindexed.ms} ms in PostgreSQL without it (${unindexed.sharedHit + unindexed.sharedRead} buffers, on ${unindexed.indexes.join(', ')}) and ` +
        `${pageRows.find((r) => r.name === rare.name)!.plans[0]!.ms} ms with it.`,
      ...retention.notes,
    );
  } finally {
    if (options.keep) ctx.say('history: --history-keep: the generated history stays in the database');
    else await dropEverything(ctx, sizes, out);
  }
}

async function dropEverything(ctx: BenchContext, sizes: { after?: HistorySizes }, out: ItemOutput): Promise<void> {
  ctx.say('history: dropping what it generated...');
  await dropHistory(ctx.db);
  await dropHistoryCatalog(ctx);
  await ctx.db.query('vacuum (full) executions');
  sizes.after = await historySizes(ctx.db);
  ctx.say(`history: after cleanup: ${describeSizes(sizes.after)}`);
  out.notes.push(`Item 10 cleanup: log_lines truncated, generated executions and catalog deleted, executions vacuumed full: ${describeSizes(sizes.after)}.`);
}

async function explainList(
  ctx: BenchContext,
  c: ListCase,
  deep: { createdAt: string; id: string },
  plans: string[],
): Promise<ReturnType<typeof summarizePlan>[]> {
  const summaries = [];
  for (const [label, after] of [['first page', undefined], ['deep page', deep]] as const) {
    const explain = explainingPool(ctx.db);
    await listExecutions(explain.pool, { ...c.filter, ...(after ? { after } : {}), limit: listPageSize + 1 });
    plans.push(`### GET /executions, ${c.name}, ${label}\n\n\`\`\`\n${explain.plans[0]!.join('\n')}\n\`\`\`\n`);
    summaries.push(summarizePlan(explain.plans[0]!));
  }
  return summaries;
}

async function explainLog(
  ctx: BenchContext,
  name: string,
  plans: string[],
  read: (pool: ReturnType<typeof explainingPool>['pool']) => Promise<unknown>,
): Promise<ReturnType<typeof summarizePlan> & { name: string }> {
  const explain = explainingPool(ctx.db);
  await read(explain.pool);
  plans.push(`### ${name}\n\n\`\`\`\n${explain.plans[0]!.join('\n')}\n\`\`\`\n`);
  return { name, ...summarizePlan(explain.plans[0]!) };
}

async function downloadLogText(ctx: BenchContext, id: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const { response } = await ctx.api.client.GET('/api/v1/executions/{id}/logs.txt', { params: { path: { id } }, parseAs: 'stream' });
  if (!response.ok || !response.body) throw new Error(`logs.txt answered ${response.status}.`);
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  return { ms: performance.now() - started, bytes };
}

function renderPlans(size: HistorySize, plans: string[]): string {
  return [
    '# Query plans behind the history item (bench item 10)',
    '',
    `Written by \`npm run bench -- --only=history\` on ${size.executions} executions and ${size.lines} log lines: ` +
      'EXPLAIN (ANALYZE, BUFFERS) of the exact SQL of src/db/executions.ts and src/db/logStore.ts, with the parameters the API passes.',
    '',
    ...plans,
  ].join('\n');
}
