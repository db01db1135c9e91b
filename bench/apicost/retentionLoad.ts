import { randomUUID } from 'node:crypto';

import { appendBatch, type StoredLine } from '../../src/db/logStore';
import { createPool } from '../../src/db/pool';
import { deleteExpiredLogLines } from '../../src/db/retention';

/**
 * `BENCH_DATABASE_URL=... tsx bench/apicost/retentionLoad.ts [seconds] [rounds]`: one writer storing
 * 2,000-line batches with appendBatch (as the worker stores output) for `seconds` alone, then as long
 * again while retention batches of 5,000 expired lines (90 days) run back to back. Not the whole
 * stack of bench item 10: PostgreSQL's share of it, small enough to run beside other work.
 */
const seconds = Number(process.argv[2] ?? 15);
const rounds = Number(process.argv[3] ?? 1);
const text = 'x'.repeat(68);

async function main(): Promise<void> {
  const pool = createPool(process.env.BENCH_DATABASE_URL!);
  const { rows } = await pool.query<{ job_id: string; environment_id: string }>('select job_id, environment_id from executions limit 1');
  const id = randomUUID();
  await pool.query(
    `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, started_at)
     values ($1::uuid, $2, $3, '{}', 'bench', 'bench-history-writer-' || $1::text, 'running', now())`,
    [id, rows[0]!.job_id, rows[0]!.environment_id],
  );
  let position = { stdoutOffset: 0, stderrOffset: 0, lastSeq: 0 };
  const write = async (ms: number): Promise<number> => {
    const started = performance.now();
    let lines = 0;
    while (performance.now() - started < ms) {
      const batch: StoredLine[] = [];
      for (let i = 1; i <= 2000; i++) {
        batch.push({ seq: position.lastSeq + i, stream: 'stdout', ts: new Date(), text: `${String(position.lastSeq + i).padStart(10, '0')} ${text}`, continued: false });
      }
      const to = { ...position, stdoutOffset: position.stdoutOffset + 2000 * 80, lastSeq: position.lastSeq + 2000 };
      await appendBatch(pool, id, position, to, batch);
      position = to;
      lines += 2000;
    }
    return lines / ((performance.now() - started) / 1000);
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  for (let r = 1; r <= rounds; r++) {
    const alone = await write(seconds * 1000);
    let deleting = true;
    let deleted = 0;
    const batchMs: number[] = [];
    const retention = (async () => {
      while (deleting) {
        const t = performance.now();
        deleted += (await deleteExpiredLogLines(pool, 90, 5000)).deleted;
        batchMs.push(performance.now() - t);
      }
    })();
    const during = await write(seconds * 1000);
    deleting = false;
    await retention;
    console.log(
      `round ${r}: writer alone ${Math.round(alone)} lines/s, during retention ${Math.round(during)} lines/s (${(during / alone).toFixed(2)}x); ` +
        `retention ${deleted} lines in ${batchMs.length} batches, median ${median(batchMs).toFixed(0)} ms`,
    );
  }
  // Ended, or the next writer on the same job and environment could not start.
  await pool.query(`update executions set status = 'succeeded', finished_at = now() where id = $1`, [id]);
  await pool.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
