import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';

import { createApp } from '../../src/api/app';
import { startServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { LiveTails } from '../../src/logs/liveTail';

/**
 * `BENCH_DATABASE_URL=... node --import tsx bench/apicost/serve.ts <port>`: the API's express app
 * (createApp, no Temporal server: the history routes never reach it) against the database, with
 * what calls.ts reads: `GET /__report` (wall time per route and how much of it waited on pool.query,
 * by statement; the process's CPU per request; resets them), `GET /__profile/start` and
 * `/__profile/stop?file=` (a V8 CPU profile through the inspector).
 */

/** Wall time spent waiting on pool.query, by statement, and request wall time by route. */
const dbMs = new Map<string, { n: number; ms: number }>();
const reqMs = new Map<string, { n: number; ms: number; db: number }>();
let currentDb = 0;

function label(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  if (s.includes('from api_tokens')) return 'auth token';
  if (s.includes('from log_lines')) return 'log page';
  if (s.includes('order by created_at desc, id desc')) return 'list';
  if (s.includes('from executions x where id')) return 'execution view';
  return s.slice(0, 40);
}

function timedPool(pool: Pool): Pool {
  const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
    const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text ?? 'other');
    const t = performance.now();
    try {
      return await query(...args);
    } finally {
      const ms = performance.now() - t;
      const k = label(sql);
      const e = dbMs.get(k) ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += ms;
      dbMs.set(k, e);
      currentDb += ms;
    }
  };
  return pool;
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL!;
  const pool = timedPool(createPool(url));
  const logger = createLogger('api-cost', 'warn');
  const liveTails = new LiveTails(pool, url, logger);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = createApp({ pool, temporal, logger, taskQueue: 'migrations', namespace: 'default', temporalUiUrl: 'http://127.0.0.1:8233', liveTails });
  const wrapper = (await import('express')).default();
  wrapper.use((req, res, next) => {
    const t = performance.now();
    const db0 = currentDb;
    res.once('finish', () => {
      const k = `${req.method} ${req.path.replace(/[0-9a-f-]{36}/, ':id')}${req.query.tail ? ' tail' : ''}`;
      const e = reqMs.get(k) ?? { n: 0, ms: 0, db: 0 };
      e.n += 1;
      e.ms += performance.now() - t;
      e.db += currentDb - db0;
      reqMs.set(k, e);
    });
    next();
  });
  let cpuFrom = process.cpuUsage();
  wrapper.get('/__report', (_req, res) => {
    const cpu = process.cpuUsage(cpuFrom);
    const served = [...reqMs.values()].reduce((n, v) => n + v.n, 0);
    cpuFrom = process.cpuUsage();
    const out = {
      cpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / Math.max(1, served)).toFixed(3),
      requests: Object.fromEntries([...reqMs].map(([k, v]) => [k, { n: v.n, meanMs: +(v.ms / v.n).toFixed(2), meanDbMs: +(v.db / v.n).toFixed(2) }])),
      queries: Object.fromEntries([...dbMs].map(([k, v]) => [k, { n: v.n, meanMs: +(v.ms / v.n).toFixed(2) }])),
    };
    reqMs.clear();
    dbMs.clear();
    res.json(out);
  });
  const inspector = new Session();
  inspector.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => inspector.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  wrapper.get('/__profile/start', async (_req, res) => {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    res.json({ started: true });
  });
  wrapper.get('/__profile/stop', async (req, res) => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(String(req.query.file), JSON.stringify(profile));
    res.json({ written: req.query.file });
  });
  wrapper.use(app);
  const server = await startServer(wrapper, Number(process.argv[2] ?? 0), '127.0.0.1');
  console.log(server.url);
  process.once('SIGTERM', () => {
    void server.stop().then(() => pool.end()).then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
