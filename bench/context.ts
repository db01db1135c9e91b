import { createMigratorClient, dataOrThrow } from '@migrator/api-client';
import { Pool } from 'pg';

import { ensureJob as ensureCatalogJob, ensureSource, type JobBody } from '../scripts/lib/catalog';
import { loopbackEnvironment, type LoopbackSshd } from '../scripts/lib/loopbackSshd';
import type { Stack } from '../scripts/lib/stack';
import { BenchApi } from './api';
import { type CpuGroup, pidsNamed, processTree } from './measure';
import type { BenchScripts } from './scripts';

/** Everything an item needs: the running stack, the registered objects, and a way to reach the host. */
export interface BenchContext {
  stack: Stack;
  api: BenchApi;
  sshd: LoopbackSshd;
  scripts: BenchScripts;
  /** The bench's own connections to the bench database (setup, baselines, checks). */
  db: Pool;
  environmentId: string;
  sourceId: string;
  jobs: { bulk: string; paced: string; one: string };
  workDir: string;
  say: (line: string) => void;
}

/** Environment, source and the three jobs, through the API as an admin would register them. */
export async function registerCatalog(
  stack: Stack,
  sshd: LoopbackSshd,
  scripts: BenchScripts,
): Promise<Pick<BenchContext, 'api' | 'environmentId' | 'sourceId' | 'jobs'>> {
  const api = new BenchApi(createMigratorClient({ baseUrl: stack.apiUrl, token: stack.adminToken }));
  const source = await ensureSource(api.client, { name: 'bench', system: 'bench', description: 'npm run bench' });
  const environment = dataOrThrow(
    await api.client.POST('/api/v1/environments', { body: { ...loopbackEnvironment(sshd, 'bench'), maxConcurrency: 50 } }),
  );
  const jobs = {
    bulk: await ensureJob(api, 'bench-bulk', source.id, scripts.bulk, [{ name: 'lines', type: 'integer', min: 1 }]),
    paced: await ensureJob(api, 'bench-paced', source.id, scripts.paced, [
      { name: 'linesPerSecond', type: 'integer', min: 1 },
      { name: 'seconds', type: 'integer', min: 1 },
    ]),
    one: await ensureJob(api, 'bench-one', source.id, scripts.one, []),
  };
  return { api, environmentId: environment.id, sourceId: source.id, jobs };
}

/** The job of that name, pointed at this run's script (the temp dir changes every run). */
export async function ensureJob(api: BenchApi, name: string, sourceId: string, scriptPath: string, parameters: JobBody['parameters']): Promise<string> {
  const job = await ensureCatalogJob(api.client, { name, sourceId, scriptPath, interpreter: 'node', timeoutSeconds: 3600, parameters });
  return job.id;
}

export function createBenchPool(databaseUrl: string): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: 4, application_name: 'migrator-bench' });
  pool.on('error', () => undefined);
  return pool;
}

/** `ssh` arguments that reach the loopback sshd as the worker does, without touching known_hosts. */
export function sshArgs(sshd: LoopbackSshd, remoteCommand: string): string[] {
  return [
    '-i',
    sshd.privateKeyPath,
    '-p',
    String(sshd.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    `${sshd.username}@${sshd.host}`,
    remoteCommand,
  ];
}

/** Empties log_lines (the bench database is the bench's own): each item starts on an empty table. */
export async function truncateLogLines(db: Pool): Promise<void> {
  await db.query('truncate log_lines');
}

/**
 * A finished execution row for the baselines' lines (log_lines has a foreign key to executions);
 * removed by `dropThrowawayExecution`.
 */
export async function insertThrowawayExecution(ctx: BenchContext, label: string): Promise<string> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `insert into executions (job_id, environment_id, params, status, started_by, workflow_id, finished_at)
     values ($1, $2, '{}', 'failed', 'bench', 'bench-baseline-' || $3 || '-' || gen_random_uuid(), now())
     returning id`,
    [ctx.jobs.bulk, ctx.environmentId, label],
  );
  return rows[0]!.id;
}

export async function dropThrowawayExecution(ctx: BenchContext, id: string): Promise<void> {
  await ctx.db.query('delete from log_lines where execution_id = $1', [id]);
  await ctx.db.query('delete from executions where id = $1', [id]);
}

export async function storedLineCount(db: Pool, executionId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select count(*) as n from log_lines where execution_id = $1', [executionId]);
  return Number(rows[0]!.n);
}

/**
 * Who spends the CPU during an item: the Migrator processes, their services, the SSH side, the
 * bench. PostgreSQL is the whole shared server (other databases' backends included).
 */
export function cpuGroups(ctx: BenchContext, moreWorkerPids: number[] = []): CpuGroup[] {
  const { stack } = ctx;
  return [
    { name: 'worker', pids: () => [stack.workerPid, ...moreWorkerPids] },
    { name: 'API', pids: () => [stack.apiPid] },
    { name: 'PostgreSQL', pids: () => pidsNamed('postgres'), withChildren: true },
    { name: 'Temporal', pids: () => (stack.temporalPid ? [stack.temporalPid] : []) },
    // The bench's sshd with its sessions, shells and tails; the scripts themselves are setsid orphans and land in "everything else".
    { name: 'sshd+tail', pids: () => processTree(ctx.sshd.pid), withChildren: true },
    { name: 'bench', pids: () => [process.pid] },
  ];
}
