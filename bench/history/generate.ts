import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** How big a history the item generates. */
export interface HistorySize {
  executions: number;
  /** Log lines in all, the big execution's included. */
  lines: number;
  /** Lines of the one big execution (a fifth of `lines`). */
  bigLines: number;
}

/** The catalog the generated history is spread over. */
export interface HistoryCatalog {
  jobIds: string[];
  environmentIds: string[];
}

/** Generated rows carry this prefix in `workflow_id`, so cleanup finds them and nothing else. */
export const historyWorkflowPrefix = 'bench-history-';

/** Same 80-byte lines as bulk.js prints: `<seq, 10 digits> <68 chars>`. */
const filler = `'${'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.repeat(3)}'`;

/**
 * One row a generated execution: created evenly over two years up to an hour ago, with a
 * multiplicative hash standing in for randomness (the same history every run). 90 % succeed,
 * 6 % fail, 3 % are cancelled, 1 % rejected (no lines); one in a hundred is a big run (about
 * 40× the lines of the others). Forty logins share the runs, and one login started only one
 * in 20,000. `n` is its line count, `last_seq` the same.
 */
export async function insertExecutions(db: Db, size: HistorySize, catalog: HistoryCatalog): Promise<void> {
  const small = size.executions - 1;
  const rest = size.lines - size.bigLines;
  // Weights: a big run 40, a small one 1, a rejected one 0; mean lines per weight unit.
  const perUnit = rest / (small * (0.99 * 0.99 + 0.01 * 40));
  await db.query(
    `create unlogged table history_plan as
     select i, h, gen_random_uuid() as id,
            case when h % 1000 < 900 then 'succeeded' when h % 1000 < 960 then 'failed'
                 when h % 1000 < 990 then 'cancelled' else 'rejected' end as status,
            now() - interval '1 hour' - interval '730 days' * (1 - i::float8 / $1) as created_at,
            case when h % 1000 >= 990 then 0
                 when i % 100 = 0 then greatest(1, round($2::float8 * 40 * (0.5 + (h % 997) / 996.0)))::int
                 else round($2::float8 * 2 * (h % 991) / 990.0)::int end as n
       from generate_series(1, $1::int) i, lateral (select (i::bigint * 2654435761) % 4294967291 as h) hash`,
    [small, perUnit],
  );
  await db.query(
    `insert into executions (id, job_id, environment_id, params, status, exit_code, error_code, error_message, started_by,
                             approved_by, workflow_id, created_at, started_at, finished_at, last_seq, workflow_started_at)
     select p.id, ($1::uuid[])[1 + p.h % array_length($1, 1)], ($2::uuid[])[1 + (p.h / 7) % array_length($2, 1)],
            jsonb_build_object('batch', p.i % 500), p.status,
            case p.status when 'succeeded' then 0 when 'failed' then 1 end,
            case p.status when 'failed' then 'SCRIPT_FAILED' when 'cancelled' then 'CANCELLED' when 'rejected' then 'APPROVAL_REJECTED' end,
            case p.status when 'failed' then 'The script exited with code 1.' end,
            case when p.i % 20000 = 7 then 'history-rare-user' else 'history-user-' || (p.h / 13) % 40 end,
            case when p.h % 5 = 0 then 'history-user-' || (p.h / 17) % 40 end,
            '${historyWorkflowPrefix}' || p.id, p.created_at,
            case when p.status <> 'rejected' then p.created_at + interval '2 seconds' end,
            p.created_at + interval '2 seconds' + make_interval(secs => 5 + p.n / 1000.0 + p.h % 600),
            p.n, p.created_at + interval '1 second'
       from history_plan p`,
    [catalog.jobIds, catalog.environmentIds],
  );
}

/** The big execution: succeeded three days ago (inside the retention), `bigLines` lines. */
export async function insertBigExecution(db: Db, size: HistorySize, catalog: HistoryCatalog): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into executions (job_id, environment_id, params, status, exit_code, started_by, workflow_id, created_at, started_at,
                             finished_at, last_seq, workflow_started_at)
     values ($1, $2, '{}', 'succeeded', 0, 'history-user-0', '${historyWorkflowPrefix}big-' || gen_random_uuid(),
             now() - interval '3 days', now() - interval '3 days', now() - interval '3 days' + interval '1 minute' * ($3::int / 100000 + 1),
             $3, now() - interval '3 days')
     returning id`,
    [catalog.jobIds[0], catalog.environmentIds[0], size.bigLines],
  );
  return rows[0]!.id;
}

/** Ranges of `history_plan.i` holding about `linesPerChunk` lines each, so the loading can go two at a time. */
export async function planChunks(db: Pool, linesPerChunk: number): Promise<[number, number][]> {
  const { rows } = await db.query<{ first: number; last: number }>(
    `select min(i)::int as first, max(i)::int as last
       from (select i, (sum(n) over (order by i) / $1::bigint) as chunk from history_plan) c
      group by chunk order by first`,
    [linesPerChunk],
  );
  return rows.map((r) => [r.first, r.last]);
}

/**
 * The lines of the planned executions whose `i` lies in [first, last], inserted in primary-key
 * order (executions sorted by id, each one's seq ascending) so the index grows at its edge.
 */
export async function insertPlannedLines(db: Db, first: number, last: number): Promise<void> {
  await db.query(
    `insert into log_lines (execution_id, seq, stream, ts, text)
     select p.id, g, case when g % 50 = 0 then 'stderr' else 'stdout' end, p.created_at + interval '2 seconds' + g * interval '1 ms',
            lpad(g::text, 10, '0') || ' ' || substr(${filler}, 1 + (g % 64)::int, 68)
       from (select id, n, created_at from history_plan where i between $1 and $2 and n > 0 order by id) p,
            generate_series(1, p.n) g`,
    [first, last],
  );
}

/** `count` lines of the big execution starting at seq `from`. */
export async function insertBigLines(db: Db, executionId: string, from: number, count: number): Promise<void> {
  await db.query(
    `insert into log_lines (execution_id, seq, stream, ts, text)
     select $1, g, 'stdout', now() - interval '3 days' + g * interval '5 microseconds',
            lpad(g::text, 10, '0') || ' ' || substr(${filler}, 1 + (g % 64)::int, 68)
       from generate_series($2::bigint, $3::bigint) g`,
    [executionId, from, from + count - 1],
  );
}

/**
 * Runs `fn` on one connection with foreign-key and other triggers off (`session_replication_role
 * = replica`, as pg_restore loads): the generated rows are consistent by construction, and
 * checking 50 M references, or looking for reruns of each deleted execution in an unindexed
 * column, would cost more than the load itself.
 */
export async function withoutTriggers<T>(db: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('set session_replication_role = replica');
    return await fn(client);
  } finally {
    await client.query('reset session_replication_role').catch(() => undefined);
    client.release();
  }
}

/** Everything generated: log lines (the whole table, as every bench item ends), the generated executions, the plan. */
export async function dropHistory(db: Pool): Promise<void> {
  await db.query('truncate log_lines');
  await withoutTriggers(db, (client) => client.query(`delete from executions where workflow_id like '${historyWorkflowPrefix}%'`));
  await db.query('drop table if exists history_plan');
}

/**
 * Loads a whole history, two statements at a time (two cores), triggers off: the executions and
 * the big one first, then the lines in chunks. Returns the big execution's id; `onChunk` hears
 * of each chunk loaded.
 */
export async function loadHistory(db: Pool, size: HistorySize, catalog: HistoryCatalog, onChunk: (done: number) => void = () => undefined): Promise<string> {
  const bigId = await withoutTriggers(db, async (client) => {
    await insertExecutions(client, size, catalog);
    return insertBigExecution(client, size, catalog);
  });
  const chunkLines = 5_000_000;
  const work: (() => Promise<void>)[] = [];
  for (let from = 1; from <= size.bigLines; from += chunkLines) {
    const count = Math.min(chunkLines, size.bigLines - from + 1);
    work.push(() => withoutTriggers(db, (c) => insertBigLines(c, bigId, from, count)));
  }
  for (const [first, last] of await planChunks(db, chunkLines)) {
    work.push(() => withoutTriggers(db, (c) => insertPlannedLines(c, first, last)));
  }
  let done = 0;
  const next = async (): Promise<void> => {
    for (let job = work.shift(); job; job = work.shift()) {
      await job();
      done += 1;
      onChunk(done);
    }
  };
  await Promise.all([next(), next()]);
  return bigId;
}
