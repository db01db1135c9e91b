import { createPool } from '../../src/db/pool';
import { seedAdminToken } from '../../src/api/auth';
import { loadHistory, withoutTriggers } from '../history/generate';

/**
 * `BENCH_DATABASE_URL=... tsx bench/apicost/generate.ts [executions] [lines] > history.json`: bench
 * item 10's history (bench/history/generate.ts) in a migrated database of its own, without the
 * stack: catalog rows by SQL, snapshots on every execution (the item's rows have none, real ones
 * do), an admin token `api-cost-admin-token`. Prints the ids calls.ts needs.
 */
const executions = Number(process.argv[2] ?? 200_000);
const lines = Number(process.argv[3] ?? 5_000_000);

async function main(): Promise<void> {
  const pool = createPool(process.env.BENCH_DATABASE_URL!);
  try {
    await seedAdminToken(pool, 'api-cost-admin-token');
    const sources: string[] = [];
    for (let s = 1; s <= 4; s++) {
      sources.push((await pool.query(`insert into sources (name, system) values ($1, 'bench') returning id`, [`history-source-${s}`])).rows[0].id);
    }
    const jobIds: string[] = [];
    for (let j = 1; j <= 20; j++) {
      const parameters = JSON.stringify([{ name: 'batch', type: 'integer', required: true, description: 'which batch to copy' }]);
      jobIds.push(
        (await pool.query(`insert into jobs (name, source_id, script_path, interpreter, parameters) values ($1, $2, '/opt/jobs/copy.js', 'node', $3) returning id`, [`history-job-${j}`, sources[j % 4], parameters])).rows[0].id,
      );
    }
    const environmentIds: string[] = [];
    for (let e = 1; e <= 5; e++) {
      environmentIds.push(
        (await pool.query(`insert into environments (name, host, username, private_key_path, host_key_fingerprint, node_path) values ($1, '10.0.0.1', 'migrator', '/keys/id_ed25519', 'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ', '/usr/bin/node') returning id`, [`history-${e}-loopback-x`])).rows[0].id,
      );
    }
    const size = { executions, lines, bigLines: Math.floor(lines / 5) };
    const catalog = { jobIds, environmentIds };
    const t0 = performance.now();
    const bigId = await loadHistory(pool, size, catalog);
    // Executions started since snapshots exist carry them: fill them as a start would have.
    await withoutTriggers(pool, (c) =>
      c.query(`update executions x set
        job_snapshot = jsonb_build_object('name', j.name, 'scriptPath', j.script_path, 'interpreter', j.interpreter, 'parameters', j.parameters, 'timeoutSeconds', j.timeout_seconds),
        target_snapshot = jsonb_build_object('environmentName', e.name, 'host', e.host, 'port', e.port, 'username', e.username, 'privateKeyPath', e.private_key_path,
          'passphraseEnv', e.passphrase_env, 'useAgent', e.use_agent, 'hostKeyFingerprint', e.host_key_fingerprint, 'nodePath', e.node_path, 'shellInit', e.shell_init)
        from jobs j, environments e where j.id = x.job_id and e.id = x.environment_id`),
    );
    await pool.query('vacuum (analyze) executions');
    await pool.query('vacuum (analyze) log_lines');
    console.log(JSON.stringify({ executions, bigId, jobIds, environmentIds, sources, seconds: Math.round((performance.now() - t0) / 1000) }));
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
