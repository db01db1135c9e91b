import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { PoolClient } from 'pg';

import { createPool } from '../src/db/pool';
import { deleteExpiredLogLines } from '../src/db/retention';
import { ensureRetentionSchedule } from '../src/temporal/retentionSchedule';
import type { RetentionResult } from '../src/workflows/types';
import { startHarness, type Harness } from './support/harness';

jest.setTimeout(60_000);

const runsDir = path.join(os.homedir(), '.migrator', 'runs');
const dayMs = 24 * 60 * 60 * 1000;

describe('log retention: expired log lines, ended run directories, the daily schedule', () => {
  let h: Harness;
  let env: { id: string; name: string };

  beforeAll(async () => {
    h = await startHarness();
    env = await h.createEnvironment();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** An execution row straight into the table; `finishedDaysAgo: null` is one still running. */
  async function seedExecution(o: { finishedDaysAgo: number | null; lines: number }): Promise<string> {
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, created_at, started_at, finished_at)
       values ($1::uuid, $2::uuid, $3::uuid, '{}'::jsonb, 'seeder', 'execution-' || $1::text,
               case when $4::integer is null then 'running' else 'succeeded' end,
               now() - interval '200 days', now() - interval '200 days', now() - make_interval(days => $4::integer))`,
      [id, job.id, env.id, o.finishedDaysAgo],
    );
    await h.pool.query(
      `insert into log_lines (execution_id, seq, stream, ts, text)
       select $1::uuid, n, 'stdout', now() - interval '200 days', 'line ' || n::text
         from generate_series(1, $2::integer) as n`,
      [id, o.lines],
    );
    return id;
  }

  async function runCleanup(retentionDays: number, batchSize: number): Promise<RetentionResult> {
    return h.temporal.workflow.execute('retentionCleanup', {
      taskQueue: h.taskQueue,
      workflowId: `retention-${randomUUID()}`,
      args: [{ retentionDays, batchSize }],
    });
  }

  test('when executions finished before the retention, then only their log lines are deleted, in bounded batches, and they are marked purged', async () => {
    const old = await seedExecution({ finishedDaysAgo: 100, lines: 2_500 });
    const oldWithoutLines = await seedExecution({ finishedDaysAgo: 100, lines: 0 });
    const recent = await seedExecution({ finishedDaysAgo: 10, lines: 300 });
    const running = await seedExecution({ finishedDaysAgo: null, lines: 200 });

    const result = await runCleanup(30, 1_000);

    expect(result.linesDeleted).toBe(2_500);
    expect(result.batches).toBeGreaterThanOrEqual(3);
    const { rows } = await h.pool.query<{ id: string; lines: number; purged: boolean }>(
      `select e.id::text as id, (select count(*)::integer from log_lines l where l.execution_id = e.id) as lines,
              e.logs_purged_at is not null as purged
         from executions e where e.id = any($1::uuid[])`,
      [[old, oldWithoutLines, recent, running]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(old)).toMatchObject({ lines: 0, purged: true });
    expect(byId.get(oldWithoutLines)).toMatchObject({ lines: 0, purged: true });
    expect(byId.get(recent)).toMatchObject({ lines: 300, purged: false });
    expect(byId.get(running)).toMatchObject({ lines: 200, purged: false });
  });

  test('when a batch deletes, then PostgreSQL runs it without JIT, and the pooled connection keeps its own setting', async () => {
    const old = await seedExecution({ finishedDaysAgo: 100, lines: 50 });
    const one = createPool(h.databaseUrl, 1);
    // Every statement of this session would be JIT-compiled, were JIT left on.
    await one.query('set jit_above_cost = 0');
    const plansOfDelete: string[] = [];
    const connect = one.connect.bind(one) as () => Promise<PoolClient>;
    const watched = new Proxy(one, {
      get(target, prop) {
        if (prop !== 'connect') return Reflect.get(target, prop, target) as unknown;
        return async () => {
          const client = await connect();
          const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<{ rows: Record<string, string>[] }>;
          return new Proxy(client, {
            get(c, key) {
              if (key !== 'query') return Reflect.get(c, key, c) as unknown;
              return async (text: string, values?: unknown[]) => {
                if (typeof text === 'string' && text.includes('delete from log_lines')) {
                  plansOfDelete.push((await query(`explain ${text}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n'));
                }
                return query(text, values);
              };
            },
          });
        };
      },
    });
    try {
      const before = (await one.query<{ plan: string }>("explain select count(*) from log_lines where text <> ''")).rows.map((r) => Object.values(r)[0]).join('\n');
      expect(before).toContain('JIT');
      expect(await deleteExpiredLogLines(watched, 30, 10)).toEqual({ deleted: 10 });
      expect(plansOfDelete).toHaveLength(1);
      expect(plansOfDelete[0]).not.toContain('JIT');
      expect((await one.query<{ jit: string }>('show jit')).rows[0]!.jit).toBe('on');
    } finally {
      await one.end();
    }
    await h.pool.query('delete from log_lines where execution_id = $1', [old]);
  });

  test('when executions without lines finished before those a full batch deletes from, then that batch marks them purged', async () => {
    const empty = await seedExecution({ finishedDaysAgo: 120, lines: 0 });
    const older = await seedExecution({ finishedDaysAgo: 110, lines: 4 });
    const partly = await seedExecution({ finishedDaysAgo: 100, lines: 20 });

    expect(await deleteExpiredLogLines(h.pool, 30, 10)).toEqual({ deleted: 10 });

    const { rows } = await h.pool.query<{ id: string; lines: number; purged: boolean }>(
      `select e.id::text as id, (select count(*)::integer from log_lines l where l.execution_id = e.id) as lines,
              e.logs_purged_at is not null as purged
         from executions e where e.id = any($1::uuid[])`,
      [[empty, older, partly]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(empty)).toMatchObject({ lines: 0, purged: true });
    expect(byId.get(older)).toMatchObject({ lines: 0, purged: true });
    expect(byId.get(partly)).toMatchObject({ lines: 14, purged: false });
    await h.pool.query('delete from log_lines where execution_id = $1', [partly]);
  });

  describe('run directories on the hosts', () => {
    const created: string[] = [];
    const lockHolders: ChildProcess[] = [];

    function runDir(name: string, o: { exitDaysAgo?: number; lockHeld?: boolean }): string {
      const dir = path.join(runsDir, name);
      created.push(dir);
      mkdirSync(path.join(dir, 'started'), { recursive: true });
      writeFileSync(path.join(dir, 'lock'), '');
      if (o.exitDaysAgo !== undefined) {
        writeFileSync(path.join(dir, 'exit'), '0\n');
        const at = new Date(Date.now() - o.exitDaysAgo * dayMs);
        utimesSync(path.join(dir, 'exit'), at, at);
      }
      if (o.lockHeld) holdLock(path.join(dir, 'lock'));
      return dir;
    }

    /** Holds the lock like a live run's wrapper does, until the test kills it. */
    function holdLock(lock: string): void {
      const holder = spawn('flock', [lock, 'sleep', '60'], { detached: true, stdio: 'ignore' });
      lockHolders.push(holder);
      for (let i = 0; i < 100; i++) {
        if (spawnSync('flock', ['-n', lock, 'true']).status !== 0) return;
        spawnSync('sleep', ['0.05']);
      }
      throw new Error(`Nobody took the lock ${lock}.`);
    }

    afterAll(() => {
      for (const holder of lockHolders) {
        // The whole group: `sleep` inherited flock's descriptor and would hold the lock on its own.
        if (holder.pid !== undefined) process.kill(-holder.pid, 'SIGKILL');
      }
      for (const dir of created) rmSync(dir, { recursive: true, force: true });
    });

    test('when runs ended before the retention and nothing holds their lock, then only their directories are removed', async () => {
      const unfinished = await seedExecution({ finishedDaysAgo: null, lines: 0 });
      const endedLongAgo = runDir(randomUUID(), { exitDaysAgo: 100 });
      const endedRecently = runDir(randomUUID(), { exitDaysAgo: 0 });
      const running = runDir(randomUUID(), { lockHeld: true });
      const endedButLocked = runDir(randomUUID(), { exitDaysAgo: 100, lockHeld: true });
      const notAnExecution = runDir(`not-a-run-${randomUUID()}`, { exitDaysAgo: 100 });
      // Its workflow may still retry runScript, which must find the `started` tombstone.
      const ofUnfinishedExecution = runDir(unfinished, { exitDaysAgo: 100 });

      const result = await runCleanup(30, 1_000);

      expect(result.runDirsRemoved).toBeGreaterThanOrEqual(1);
      expect(result.sweepFailedEnvironments).toEqual([]);
      expect(existsSync(endedLongAgo)).toBe(false);
      for (const kept of [endedRecently, running, endedButLocked, notAnExecution, ofUnfinishedExecution]) {
        expect({ dir: kept, exists: existsSync(path.join(kept, 'started')) }).toEqual({ dir: kept, exists: true });
      }
    });
  });

  test('when the schedule is ensured twice, then one schedule runs retentionCleanup daily with the latest options', async () => {
    const scheduleId = `migrator-retention-test-${randomUUID()}`;
    const handle = h.temporal.schedule.getHandle(scheduleId);
    try {
      await ensureRetentionSchedule(h.temporal, { scheduleId, taskQueue: h.taskQueue, retentionDays: 90 });
      await handle.pause('paused by an operator');
      await ensureRetentionSchedule(h.temporal, { scheduleId, taskQueue: h.taskQueue, retentionDays: 45, batchSize: 2_000 });

      const described = await handle.describe();
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'retentionCleanup',
        taskQueue: h.taskQueue,
        args: [{ retentionDays: 45, batchSize: 2_000 }],
      });
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.spec.calendars).toHaveLength(1);
      expect(described.state.paused).toBe(true);
    } finally {
      await handle.delete().catch(() => undefined);
    }
  });
});
