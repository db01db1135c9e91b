import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { sharedServices } from './support/env';

const repoRoot = path.resolve(__dirname, '..');

/** A copy of this checkout, as another clone would be, using this one's installed packages. */
function cloneCheckout(into: string): string {
  for (const entry of ['package.json', 'tsconfig.json', 'src', 'scripts', 'demo', 'db', 'packages']) {
    cpSync(path.join(repoRoot, entry), path.join(into, entry), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(into, 'node_modules'));
  return into;
}

/** `npm run demo` in `checkout`, as its own process: exit code and output. */
function runDemo(checkout: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(checkout, 'scripts', 'demo.ts')],
      { cwd: checkout, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('the demo in two checkouts sharing one database', () => {
  const services = sharedServices();
  const work = mkdtempSync(path.join(os.tmpdir(), 'migrator-demos-'));
  const database = `migrator_demo_${randomBytes(6).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(services.adminUrl), { pathname: `/${database}` }).toString();

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    const admin = new Client({ connectionString: services.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  test('when one clone runs the demo, is removed, and another clone runs it on the same database, then both succeed and the second runs its own script', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      // The suite's Temporal server, on a task queue of this test's own: no other file's worker takes these runs.
      TEMPORAL_ADDRESS: services.temporalAddress,
      TEMPORAL_TASK_QUEUE: `demo-${randomUUID()}`,
      MIGRATOR_CACHE_DIR: path.join(work, 'cache'),
      LOG_LEVEL: 'warn',
    };
    // Each demo picks its own API port and admin token, as on a machine where nothing is set.
    for (const name of ['PORT', 'MIGRATOR_ADMIN_TOKEN', 'TEMPORAL_UI_URL']) delete env[name];
    const first = cloneCheckout(path.join(work, 'first'));
    const second = cloneCheckout(path.join(work, 'second'));

    const one = await runDemo(first, env);
    expect([one.code, one.output]).toEqual([0, expect.stringContaining('finished succeeded')]);
    expect(one.output).toContain(`(${path.join(first, 'demo', 'orchestrate-import.js')})`);

    // Gone, as a deleted clone is: a job still pointing here would fail SCRIPT_NOT_FOUND.
    rmSync(first, { recursive: true, force: true });
    expect(existsSync(path.join(first, 'demo'))).toBe(false);

    const two = await runDemo(second, env);
    expect([two.code, two.output]).toEqual([0, expect.stringContaining('finished succeeded')]);
    expect(two.output).toContain(`(${path.join(second, 'demo', 'orchestrate-import.js')})`);
    expect(two.output).toContain('argv ["iclinic","ana@clinic.example","1234","MP-5678","P-42 (o\'neil)"]');
    expect(two.output).toMatch(/Temporal UI/);

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const jobs = await db.query<{ script_path: string }>(`select script_path from jobs where name = 'orchestrate-import'`);
      expect(jobs.rows).toEqual([{ script_path: path.join(second, 'demo', 'orchestrate-import.js') }]);
      const runs = await db.query<{ status: string }>('select status from executions order by created_at');
      expect(runs.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    } finally {
      await db.end();
    }
  }, 240_000);
});
