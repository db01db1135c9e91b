import { Pool, type PoolClient } from 'pg';

/** How long a query waits for a free connection (or a new one) before it fails instead of hanging. */
export const defaultAcquireTimeoutMs = 10_000;

/** One pool per process, created by the entry points and passed to whoever needs it. */
export function createPool(databaseUrl: string, max = 10, acquireTimeoutMs = defaultAcquireTimeoutMs): Pool {
  // connectionTimeoutMillis bounds both the wait for a pooled client and opening a new one:
  // with every connection held, a request fails with a 503 rather than queueing forever.
  const pool = new Pool({ connectionString: databaseUrl, max, application_name: 'migrator', connectionTimeoutMillis: acquireTimeoutMs });
  // An idle client losing its connection (PostgreSQL restarted) must not crash the process;
  // the pool discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in a transaction on one client, committing on success and rolling back on error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // While checked out, a dropped connection is reported on the client, not the pool; without a
  // listener that 'error' event would crash the process. The failing query rejects anyway.
  let broken = false;
  const ignore = (): void => {
    broken = true;
  };
  client.on('error', ignore);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', ignore);
    // A client whose connection broke is destroyed instead of going back to the pool.
    client.release(broken);
  }
}
