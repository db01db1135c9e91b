import { roles } from '../src/api/auth';
import { activeStatuses, executionStatuses, interpreters, outputStreams, progressPercent } from '../src/model/execution';
import { startHarness, type Harness } from './support/harness';

/** The quoted literals of a constraint or index definition, e.g. `status = ANY (ARRAY['queued'::text, …])`. */
function literals(definition: string): string[] {
  return [...definition.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!).sort();
}

describe('the execution vocabulary (src/model/execution.ts) and the database agree', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function check(table: string, column: string): Promise<string[]> {
    const { rows } = await h.pool.query<{ def: string }>(
      `select pg_get_constraintdef(c.oid) as def from pg_constraint c
        where c.conrelid = $1::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%' || $2 || '%'`,
      [table, `(${column} `],
    );
    expect(rows).toHaveLength(1);
    return literals(rows[0]!.def);
  }

  async function indexPredicate(name: string): Promise<string[]> {
    const { rows } = await h.pool.query<{ def: string }>('select pg_get_indexdef($1::regclass) as def', [name]);
    return literals(rows[0]!.def);
  }

  test('when the migrations are applied, then every SQL list of statuses, interpreters, streams and roles is the model’s', async () => {
    expect(await check('executions', 'status')).toEqual([...executionStatuses].sort());
    expect(await check('jobs', 'interpreter')).toEqual([...interpreters].sort());
    expect(await check('log_lines', 'stream')).toEqual([...outputStreams].sort());
    expect(await check('api_tokens', 'role')).toEqual([...roles].sort());
    for (const index of ['executions_one_active_per_job_env', 'executions_active_idx']) {
      expect(await indexPredicate(index)).toEqual([...activeStatuses].sort());
    }
  });

  test('when a progress mark becomes a percentage, then it is rounded down to a tenth and is 100 only when done', () => {
    expect(progressPercent(1, 3)).toBe(33.3);
    expect(progressPercent(2, 3)).toBe(66.6);
    expect(progressPercent(999, 1000)).toBe(99.9);
    expect(progressPercent(9999, 10000)).toBe(99.9);
    expect(progressPercent(10, 10)).toBe(100);
    expect(progressPercent(0, 10)).toBe(0);
    expect(progressPercent(null, 10)).toBeNull();
    expect(progressPercent(3, 0)).toBeNull();
  });
});
