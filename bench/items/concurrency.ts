import { setTimeout as sleep } from 'node:timers/promises';

import { finalStatuses, isFinalStatus } from '../../src/model/execution';
import { type BenchContext, cpuGroups, ensureJob, truncateLogLines } from '../context';
import { CpuAccount, formatRate, formatRatio } from '../measure';
import { type ItemOutput, verdict } from '../report';
import { describeStragglers } from '../stragglers';

export const concurrentExecutions = 50;
export const linesPerExecution = 100_000;

/** Item 6: 50 executions of 100,000 lines started at once on one worker. */
export async function benchConcurrency(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const total = concurrentExecutions * linesPerExecution;
  // A job has at most one active execution per environment: one job per execution.
  const jobIds: string[] = [];
  for (let i = 1; i <= concurrentExecutions; i++) {
    jobIds.push(
      await ensureJob(ctx.api, `bench-concurrent-${String(i).padStart(2, '0')}`, ctx.sourceId, ctx.scripts.bulk, [
        { name: 'lines', type: 'integer', min: 1 },
      ]),
    );
  }
  await truncateLogLines(ctx.db);

  ctx.say(`concurrency: starting ${concurrentExecutions} executions of ${linesPerExecution} lines at once...`);
  const cpu = new CpuAccount(cpuGroups(ctx));
  const started = performance.now();
  const ids = await Promise.all(jobIds.map((jobId) => ctx.api.start(jobId, ctx.environmentId, { lines: linesPerExecution })));
  // One query for all 50 instead of 50 pollers loading the API under test; each is checked through the API below.
  let finishedAt: number;
  let mostEndedAt: number | undefined;
  let stragglersDescribed = false;
  const stragglerNotes: string[] = [];
  for (;;) {
    const { rows } = await ctx.db.query<{ status: string; n: string }>(
      'select status, count(*) as n from executions where id = any($1::uuid[]) group by status',
      [ids],
    );
    const ended = rows.filter((r) => isFinalStatus(r.status)).reduce((sum, r) => sum + Number(r.n), 0);
    if (ended === ids.length) {
      finishedAt = performance.now();
      break;
    }
    // When nine in ten have ended and the rest lag 15 s behind, say what they wait on.
    if (ended >= ids.length * 0.9) mostEndedAt ??= performance.now();
    if (mostEndedAt !== undefined && !stragglersDescribed && performance.now() - mostEndedAt > 15_000) {
      stragglersDescribed = true;
      const { rows: lagging } = await ctx.db.query<{ workflow_id: string }>(
        `select workflow_id from executions where id = any($1::uuid[]) and status <> all($2::text[])`,
        [ids, finalStatuses],
      );
      const lines = await describeStragglers(
        ctx.stack.temporalAddress,
        lagging.map((r) => r.workflow_id),
        Date.now() - (performance.now() - started),
      ).catch((err: unknown) => [`could not describe them: ${String(err)}`]);
      for (const line of lines) ctx.say(`concurrency: straggler ${line}`);
      stragglerNotes.push(...lines);
    }
    await sleep(100);
  }
  const wallMs = finishedAt - started;
  const cpuSpent = cpu.stop();
  const cpuPerLine = CpuAccount.migratorSeconds(cpuSpent) / total;
  const cpuUse = CpuAccount.describe(cpuSpent);
  ctx.say(`concurrency: ${cpuUse}`);

  const problems: string[] = [];
  for (const id of ids) {
    const execution = await ctx.api.execution(id);
    if (execution.status !== 'succeeded') problems.push(`${id} ${execution.status} (${execution.errorCode}: ${execution.errorMessage})`);
    else if (execution.lineCount !== linesPerExecution) problems.push(`${id} lineCount ${execution.lineCount}`);
  }
  const { rows: counts } = await ctx.db.query<{ id: string; n: string }>(
    `select e.id, count(l.seq) as n from executions e left join log_lines l on l.execution_id = e.id
      where e.id = any($1::uuid[]) group by e.id`,
    [ids],
  );
  for (const row of counts) if (Number(row.n) !== linesPerExecution) problems.push(`${row.id} has ${row.n} rows in log_lines`);
  const { rows: spans } = await ctx.db.query<{ ms: number }>(
    'select extract(epoch from max(ts) - min(ts)) * 1000 as ms from log_lines where execution_id = any($1::uuid[])',
    [ids],
  );
  await truncateLogLines(ctx.db);
  if (problems.length) throw new Error(`concurrency: ${problems.length} executions wrong: ${problems.slice(0, 5).join('; ')}`);

  const rate = total / (wallMs / 1000);
  const receiveRate = total / (Number(spans[0]!.ms) / 1000);
  ctx.say(`concurrency: all ${concurrentExecutions} succeeded with ${linesPerExecution} lines each, in ${(wallMs / 1000).toFixed(1)} s (${formatRate(rate)})`);
  const single = out.shared.pipelineEndToEndRate ?? Number.NaN;
  const singleStored = out.shared.pipelineStoredRate ?? Number.NaN;
  const singleCpuPerLine = out.shared.pipelineCpuPerLine ?? Number.NaN;
  out.rows.push(
    {
      item: '6',
      figure: `concurrency: ${concurrentExecutions} × ${linesPerExecution / 1000} k lines, POST of all → last one final`,
      migrator: `${formatRate(rate)} (${(wallMs / 1000).toFixed(1)} s)`,
      baseline: `1 execution end to end (item 1) ${formatRate(single)}`,
      ratio: formatRatio(rate / single),
      target: '≥ 0.80×',
      verdict: Number.isFinite(single) ? verdict(rate / single >= 0.8) : '',
    },
    {
      item: '6',
      figure: "concurrency: Migrator's CPU per stored line (worker, API, PostgreSQL, Temporal, sshd+tail)",
      migrator: `${(cpuPerLine * 1e6).toFixed(1)} µs`,
      baseline: `1 execution (item 1) ${(singleCpuPerLine * 1e6).toFixed(1)} µs`,
      ratio: formatRatio(cpuPerLine / singleCpuPerLine),
      target: '≤ 1.50×',
      verdict: Number.isFinite(singleCpuPerLine) ? verdict(cpuPerLine / singleCpuPerLine <= 1.5) : '',
    },
    {
      item: '6',
      figure: 'concurrency: first → last line received, all executions',
      migrator: formatRate(receiveRate),
      baseline: `1 execution stored (item 1) ${formatRate(singleStored)}`,
      ratio: formatRatio(receiveRate / singleStored),
      target: '',
      verdict: '',
    },
  );
  out.notes.push(
    `Item 6: ${concurrentExecutions} jobs (one active execution per job and environment), environment maxConcurrency 50; all ` +
      `${concurrentExecutions} succeeded, every lineCount was ${linesPerExecution} and \`count(*)\` of log_lines per execution ` +
      `matched. POST of all → last final, ${cpuUse}. The receive span is min(ts) → max(ts) over all their log_lines (ts is stamped when the worker splits a line).` +
      (Number.isFinite(single) ? '' : ' Item 1 did not run, so there is no single-execution rate to compare.') +
      (stragglerNotes.length ? ` Executions still running 15 s after nine in ten had ended: ${stragglerNotes.join(' | ')}` : ''),
  );
}
