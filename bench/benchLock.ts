import { Client } from 'pg';

/**
 * One bench at a time per database: each item truncates `log_lines`, so a second bench on the
 * same database deletes the first one's lines and fails its counts (it happened). A session lock
 * on the server's `postgres` database, keyed by the bench database's name, held for the run and
 * released when its connection closes, also when the process dies.
 */
export async function lockBenchDatabase(databaseUrl: string): Promise<Client> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), application_name: 'migrator-bench-lock' });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtext('migrator-bench'), hashtext($1)) as locked", [name]);
  if (!rows[0]?.locked) {
    await client.end();
    throw new Error(
      `Another bench is running on the database ${name}: wait for it to end, or give this one a database of its own ` +
        `(BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/${name}_2).`,
    );
  }
  return client;
}
