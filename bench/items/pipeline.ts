import { openSync, closeSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Pool } from 'pg';

import { isFinalStatus } from '../../src/model/execution';
import {
  type BenchContext,
  cpuGroups,
  dropThrowawayExecution,
  insertThrowawayExecution,
  sshArgs,
  storedLineCount,
  truncateLogLines,
} from '../context';
import { writeCopyFile } from '../copyData';
import { CpuAccount, formatRate, formatRatio, median, runCommand } from '../measure';
import { type ItemOutput, verdict } from '../report';
import { bulkLineBytes } from '../scripts';

export const pipelineLines = 2_000_000;

export interface StoredWatch {
  /** performance.now() of the first poll that saw a stored line, and how many it saw. */
  firstAt: number;
  firstCount: number;
  /** performance.now() of the first poll that saw every line stored. */
  lastAt: number;
}

/**
 * Polls the execution's committed line count (`executions.last_seq`, the API's lineCount)
 * straight from PostgreSQL every `pollMs`, to time the storing alone.
 */
export async function watchStored(db: Pool, executionId: string, total: number, pollMs = 20): Promise<StoredWatch> {
  let firstAt: number | null = null;
  let firstCount = 0;
  for (;;) {
    const { rows } = await db.query<{ last_seq: string; status: string }>('select last_seq, status from executions where id = $1', [executionId]);
    const now = performance.now();
    const stored = Number(rows[0]?.last_seq ?? 0);
    if (stored > 0 && firstAt === null) {
      firstAt = now;
      firstCount = stored;
    }
    if (stored >= total) return { firstAt: firstAt ?? now, firstCount, lastAt: now };
    if (isFinalStatus(rows[0]?.status ?? '')) throw new Error(`Execution ${executionId} ended ${rows[0]?.status} at line ${stored}.`);
    await sleep(pollMs);
  }
}

/** Lines per second between the first and the last poll that saw stored lines. */
export function storedRate(watch: StoredWatch, total: number): number {
  return (total - watch.firstCount) / ((watch.lastAt - watch.firstAt) / 1000);
}

/**
 * psql \\copy of the same lines into log_lines, timed twice (before and after Migrator's run, so
 * drift on this noisy machine, such as checkpoints after a big write, hits both sides).
 */
async function timeCopy(ctx: BenchContext, file: string, n: number, throwaway: string): Promise<{ ms: number; postgresCpu: number }> {
  await truncateLogLines(ctx.db);
  const fd = openSync(file, 'r');
  try {
    const cpu = new CpuAccount(cpuGroups(ctx).filter((g) => g.name === 'PostgreSQL'));
    const { ms } = await runCommand(
      'psql',
      [ctx.stack.databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', '\\copy log_lines (execution_id, seq, stream, ts, text) from stdin'],
      { stdin: fd },
    );
    const copied = await storedLineCount(ctx.db, throwaway);
    if (copied !== n) throw new Error(`COPY stored ${copied} rows, expected ${n}.`);
    return { ms, postgresCpu: cpu.stop().groups[0]!.seconds };
  } finally {
    closeSync(fd);
    await truncateLogLines(ctx.db);
  }
}

/** Item 1: 2 M lines of 80 bytes through Migrator, against psql COPY and plain ssh. */
export async function benchPipeline(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const n = pipelineLines;
  const throwaway = await insertThrowawayExecution(ctx, 'copy');
  const copyFile = path.join(ctx.workDir, 'copy.tsv');
  const copyMs: number[] = [];
  const copyPostgresCpu: number[] = [];
  let migratorPostgresCpu = Number.NaN;
  let watch: StoredWatch;
  let endToEndMs: number;
  let receiveRate: number;
  let migratorCpu = '';
  try {
    await writeCopyFile(ctx.scripts.bulk, n, throwaway, copyFile);
    ctx.say('pipeline: baseline psql \\copy of the same lines (1/2)...');
    const first = await timeCopy(ctx, copyFile, n, throwaway);
    copyMs.push(first.ms);
    copyPostgresCpu.push(first.postgresCpu);

    ctx.say(`pipeline: Migrator runs bulk.js ${n} over SSH...`);
    const cpu = new CpuAccount(cpuGroups(ctx));
    const posted = performance.now();
    const id = await ctx.api.start(ctx.jobs.bulk, ctx.environmentId, { lines: n });
    const [watched, done] = await Promise.all([watchStored(ctx.db, id, n), ctx.api.waitSucceeded(id, n)]);
    const cpuUse = cpu.stop();
    migratorCpu = CpuAccount.describe(cpuUse);
    migratorPostgresCpu = cpuUse.groups.find((g) => g.name === 'PostgreSQL')!.seconds;
    out.shared.pipelineCpuPerLine = CpuAccount.migratorSeconds(cpuUse) / n;
    ctx.say(`pipeline: ${migratorCpu}`);
    watch = watched;
    endToEndMs = done.at - posted;
    const rows = await storedLineCount(ctx.db, id);
    if (rows !== n) throw new Error(`log_lines holds ${rows} rows of execution ${id}, expected ${n}.`);
    const span = await ctx.db.query<{ ms: number }>(
      'select extract(epoch from max(ts) - min(ts)) * 1000 as ms from log_lines where execution_id = $1',
      [id],
    );
    receiveRate = (n - 1) / (Number(span.rows[0]!.ms) / 1000);
    ctx.say(`pipeline: Migrator stored ${n} lines in ${((watch.lastAt - watch.firstAt) / 1000).toFixed(2)} s (${formatRate(storedRate(watch, n))}), POST→succeeded ${(endToEndMs / 1000).toFixed(2)} s`);

    ctx.say('pipeline: baseline psql \\copy of the same lines (2/2)...');
    const second = await timeCopy(ctx, copyFile, n, throwaway);
    copyMs.push(second.ms);
    copyPostgresCpu.push(second.postgresCpu);
  } finally {
    rmSync(copyFile, { force: true });
    await truncateLogLines(ctx.db);
    await dropThrowawayExecution(ctx, throwaway);
  }
  const migratorRate = storedRate(watch, n);
  const endToEndRate = n / (endToEndMs / 1000);
  out.shared.pipelineStoredRate = migratorRate;
  out.shared.pipelineEndToEndRate = endToEndRate;
  const copyRates = copyMs.map((ms) => n / (ms / 1000));
  const copyRate = (copyRates[0]! + copyRates[1]!) / 2;
  ctx.say(`pipeline: COPY ${copyMs.map((ms) => (ms / 1000).toFixed(2)).join(' s, ')} s (mean ${formatRate(copyRate)})`);

  ctx.say('pipeline: baseline ssh … bulk.js > /dev/null...');
  const { ms: sshMs } = await runCommand('ssh', sshArgs(ctx.sshd, `${process.execPath} ${ctx.scripts.bulk} ${n}`), { stdout: 'ignore' });
  const sshTrue: number[] = [];
  for (let i = 0; i < 3; i++) sshTrue.push((await runCommand('ssh', sshArgs(ctx.sshd, 'true'))).ms);
  const sshRate = n / (sshMs / 1000);
  const sshStartMs = median(sshTrue);
  const sshTransportRate = n / (Math.max(1, sshMs - sshStartMs) / 1000);
  ctx.say(`pipeline: ssh ${(sshMs / 1000).toFixed(2)} s (${formatRate(sshRate)}; ${formatRate(sshTransportRate)} without the ${Math.round(sshStartMs)} ms session start)`);

  const ratio = migratorRate / copyRate;
  out.rows.push(
    {
      item: '1',
      figure: `log pipeline, ${(n / 1e6).toFixed(0)} M × ${bulkLineBytes} B: first→last stored line`,
      migrator: formatRate(migratorRate),
      baseline: `psql \\copy ${formatRate(copyRate)} (mean of 2)`,
      ratio: formatRatio(ratio),
      target: '≥ 0.60×',
      verdict: verdict(ratio >= 0.6),
    },
    {
      item: '1',
      figure: 'log pipeline: stored rate vs the SSH transport',
      migrator: formatRate(migratorRate),
      baseline: `ssh > /dev/null ${formatRate(sshTransportRate)}`,
      ratio: formatRatio(migratorRate / sshTransportRate),
      target: '',
      verdict: '',
    },
    {
      item: '1',
      figure: 'log pipeline, end to end: POST → succeeded',
      migrator: `${formatRate(endToEndRate)} (${(endToEndMs / 1000).toFixed(1)} s)`,
      baseline: `ssh > /dev/null ${formatRate(sshRate)} (${(sshMs / 1000).toFixed(1)} s)`,
      ratio: formatRatio(endToEndRate / sshRate),
      target: '',
      verdict: '',
    },
  );
  out.notes.push(
    `Item 1: Migrator's stored rate is (lines − lines in the first commit seen) / time between the first and the last poll of ` +
      `executions.last_seq (every 20 ms) that saw stored lines; stored ${(((watch.lastAt - watch.firstAt) / 1000)).toFixed(2)} s, ` +
      `first commit seen held ${watch.firstCount} lines. The receive span from log_lines.ts (stamped when the worker splits a line) ` +
      `gives ${formatRate(receiveRate)}. End to end ${(endToEndMs / 1000).toFixed(2)} s includes the workflow, validateScript, ` +
      `the start with the two followers alongside, and finishRun: five SSH execs in three round trips, each starting a login shell (see item 5). ` +
      `POST → succeeded, ${migratorCpu}.`,
    `Item 1 baselines: psql \\copy of the same ${n} lines (generated by running bulk.js locally) into the same table ` +
      `took ${copyMs.map((ms) => (ms / 1000).toFixed(2)).join(' s before and ')} s after Migrator's run (the baseline is the mean rate), with a throwaway execution row for the foreign key, deleted afterwards. PostgreSQL spent ` +
      `${copyPostgresCpu.map((c) => c.toFixed(1)).join(' and ')} CPU s on the COPYs, ${migratorPostgresCpu.toFixed(1)} on Migrator's run. ` +
      `ssh … bulk.js > /dev/null took ${(sshMs / 1000).toFixed(2)} s, of which ~${Math.round(sshStartMs)} ms is the session start ` +
      `(median of 3 \`ssh … true\`); the transport rate excludes it.`,
  );
}
