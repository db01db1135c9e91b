import { Client } from 'pg';

import { type BenchContext, dropThrowawayExecution, insertThrowawayExecution, storedLineCount } from '../context';
import { bulkLines } from '../copyData';
import { formatRate, formatRatio } from '../measure';
import type { ItemOutput } from '../report';

export const naiveLines = 50_000;

/** Item 2: the old tool's way, one awaited INSERT per line, on the first 50,000 lines of item 1. */
export async function benchNaive(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const lines = await bulkLines(ctx.scripts.bulk, naiveLines);
  const throwaway = await insertThrowawayExecution(ctx, 'naive');
  const client = new Client({ connectionString: ctx.stack.databaseUrl, application_name: 'migrator-bench-naive' });
  await client.connect();
  let ms: number;
  try {
    ctx.say(`naive: one INSERT per line, ${naiveLines} lines...`);
    const started = performance.now();
    for (const [i, text] of lines.entries()) {
      await client.query('insert into log_lines (execution_id, seq, stream, ts, text) values ($1, $2, $3, $4, $5)', [
        throwaway,
        i + 1,
        'stdout',
        new Date(),
        text,
      ]);
    }
    ms = performance.now() - started;
    const stored = await storedLineCount(ctx.db, throwaway);
    if (stored !== naiveLines) throw new Error(`The naive baseline stored ${stored} rows, expected ${naiveLines}.`);
  } finally {
    await client.end();
    await dropThrowawayExecution(ctx, throwaway);
  }
  const naiveRate = naiveLines / (ms / 1000);
  ctx.say(`naive: ${(ms / 1000).toFixed(2)} s (${formatRate(naiveRate)})`);
  const migratorRate = out.shared.pipelineStoredRate ?? Number.NaN;
  out.rows.push({
    item: '2',
    figure: `batching: Migrator (item 1) vs one INSERT per line (${naiveLines / 1000} k lines)`,
    migrator: formatRate(migratorRate),
    baseline: `naive INSERT ${formatRate(naiveRate)}`,
    ratio: formatRatio(migratorRate / naiveRate),
    target: '',
    verdict: '',
  });
  out.notes.push(
    `Item 2: a pg Client awaiting one parameterised INSERT per line (autocommit, as the old tool did) on the first ` +
      `${naiveLines} lines of item 1: ${(ms / 1000).toFixed(2)} s.` +
      (Number.isFinite(migratorRate) ? '' : ' Item 1 did not run, so there is no Migrator rate to compare.'),
  );
}
