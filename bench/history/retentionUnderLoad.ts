import type { BenchContext } from '../context';
import { storedLineCount } from '../context';
import { storedRate, watchStored } from '../items/pipeline';
import { formatMs, formatRate, formatRatio, summarizeLatency } from '../measure';
import { type ResultRow, verdict } from '../report';
import { runRetention, type RetentionRun } from './retentionRun';
import { describeSizes, formatBytes, type HistorySizes, historySizes } from './sizes';

/** LOG_RETENTION_DAYS and the Schedule's batch size, as a worker runs them by default. */
const retentionDays = 90;
const batchSize = 5_000;
const maxRunsDuring = 4;

/** One execution of bulk.js through the whole stack; its stored rate (first → last committed line). */
async function write(ctx: BenchContext, lines: number): Promise<{ rate: number; from: number; to: number }> {
  const id = await ctx.api.start(ctx.jobs.bulk, ctx.environmentId, { lines });
  const [watch] = await Promise.all([watchStored(ctx.db, id, lines), ctx.api.waitSucceeded(id, lines)]);
  const stored = await storedLineCount(ctx.db, id);
  if (stored !== lines) throw new Error(`Execution ${id} stored ${stored} rows, expected ${lines}.`);
  return { rate: storedRate(watch, lines), from: watch.firstAt, to: watch.lastAt };
}

/**
 * Retention deleting `target` expired lines (the workflow's batches, back to back) while bulk.js
 * runs write through the stack, one after another (at most four) while the deletion lasts; the same
 * run alone before and after is the baseline. Then a plain VACUUM and one more run show whether
 * the freed space is reused or the table grows.
 */
export async function measureRetention(
  ctx: BenchContext,
  { target }: { target: number },
): Promise<{ rows: ResultRow[]; notes: string[]; sizes: HistorySizes }> {
  const lines = Math.min(2_000_000, Math.max(200_000, Math.floor(target / 5)));
  ctx.say(`history: writer alone (bulk.js ${lines})...`);
  const alone = [await write(ctx, lines)];
  const before = await historySizes(ctx.db);

  ctx.say(`history: retention deletes ${target} expired lines in batches of ${batchSize} while bulk.js runs write...`);
  let running = true;
  let lastSaid = 0;
  const retention: Promise<RetentionRun> = runRetention(ctx.db, { retentionDays, batchSize, target }, (run) => {
    if (run.ms - lastSaid > 15_000) {
      lastSaid = run.ms;
      ctx.say(`history: retention ${run.deleted} lines in ${(run.ms / 1000).toFixed(0)} s`);
    }
  }).finally(() => {
    running = false;
  });
  const during: { rate: number; overlapped: boolean }[] = [];
  // Enough runs for a rate, not one every few seconds of a long deletion: each adds its lines to the table.
  while (running && during.length < maxRunsDuring) {
    const w = await write(ctx, lines);
    during.push({ rate: w.rate, overlapped: running });
    ctx.say(`history: writer during retention ${formatRate(w.rate)}${running ? '' : ' (retention ended before it)'}`);
  }
  if (running) ctx.say('history: waiting for the retention to finish...');
  const run = await retention;
  const afterRetention = await historySizes(ctx.db);
  const dead = (await ctx.db.query<{ n: string }>(`select n_dead_tup as n from pg_stat_user_tables where relname = 'log_lines'`)).rows[0]!.n;

  ctx.say('history: writer alone again...');
  alone.push(await write(ctx, lines));
  const vacuumStarted = performance.now();
  await ctx.db.query('vacuum log_lines');
  const vacuumMs = performance.now() - vacuumStarted;
  const afterVacuum = await historySizes(ctx.db);
  const refill = Math.min(target, 4 * lines);
  for (let written = 0; written < refill; written += lines) await write(ctx, lines);
  const afterRefill = await historySizes(ctx.db);

  const full = during.filter((d) => d.overlapped);
  const duringRate = full.length ? full.reduce((s, d) => s + d.rate, 0) / full.length : Number.NaN;
  const aloneRate = (alone[0]!.rate + alone[1]!.rate) / 2;
  const ratio = duringRate / aloneRate;
  const batches = summarizeLatency(run.batchMs);
  const growth = afterRefill.logLinesHeap - afterVacuum.logLinesHeap;
  ctx.say(`history: retention ${run.deleted} lines in ${(run.ms / 1000).toFixed(0)} s; writer ${formatRate(duringRate)} vs alone ${formatRate(aloneRate)}`);
  const rows: ResultRow[] = [
    {
      item: '10',
      figure: `retention deleting ${(run.deleted / 1e6).toFixed(1)} M lines: a run's stored rate meanwhile (${full.length} runs of ${lines / 1e6} M)`,
      migrator: formatRate(duringRate),
      baseline: `alone ${formatRate(aloneRate)} (mean of 2)`,
      ratio: formatRatio(ratio),
      target: '≥ 0.80×',
      verdict: verdict(ratio >= 0.8),
    },
    {
      item: '10',
      figure: `retention: lines deleted per second, batches of ${batchSize} (p50 / p99 batch)`,
      migrator: `${formatRate(run.deleted / (run.ms / 1000))} (${formatMs(batches.p50)} / ${formatMs(batches.p99)})`,
      baseline: '',
      ratio: '',
      target: '',
      verdict: '',
    },
    {
      item: '10',
      figure: `log_lines heap: after VACUUM → after ${(refill / 1e6).toFixed(1)} M new lines`,
      migrator: `${formatBytes(afterVacuum.logLinesHeap)} → ${formatBytes(afterRefill.logLinesHeap)}`,
      baseline: `before retention ${formatBytes(before.logLinesHeap)}`,
      ratio: '',
      target: 'no growth',
      verdict: verdict(growth <= 0.05 * afterVacuum.logLinesHeap),
    },
  ];
  const notes = [
    `Item 10 retention: ${run.deleted} lines of the oldest executions (finished more than ${retentionDays} days ago) in ${run.batches} transactions of ` +
      `deleteExpiredLogLines (src/db/retention.ts, what the retentionCleanup workflow's activity runs), back to back, in ${(run.ms / 1000).toFixed(0)} s; ` +
      `batch p50 ${formatMs(batches.p50)}, p99 ${formatMs(batches.p99)}, max ${formatMs(batches.max)}. Meanwhile bulk.js ${lines} ran through the whole stack ` +
      `${during.length} times: ${during.map((d) => `${formatRate(d.rate)}${d.overlapped ? '' : ' (retention ended during it, left out)'}`).join(', ')}; ` +
      `alone before and after: ${alone.map((a) => formatRate(a.rate)).join(' and ')}. Sizes: before retention ${describeSizes(before)}; ` +
      `after it (and the runs' lines) ${describeSizes(afterRetention)}, ${dead} dead rows in log_lines; the second run alone, then VACUUM (${(vacuumMs / 1000).toFixed(0)} s) ` +
      `${describeSizes(afterVacuum)}; after ${(refill / 1e6).toFixed(1)} M more lines ${describeSizes(afterRefill)}.`,
  ];
  return { rows, notes, sizes: afterRefill };
}
