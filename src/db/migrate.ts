import path from 'node:path';

import type { Logger } from 'pino';

/** Where the numbered SQL migrations live, both from `src/` (tsx, jest) and from `dist/`. */
export const migrationsDir = path.resolve(__dirname, '..', '..', 'db', 'migrations');

/**
 * Applies pending migrations with node-pg-migrate. Its advisory lock in `wait` mode makes two
 * processes starting at once take turns instead of failing; the second finds nothing to do.
 */
export async function runMigrations(databaseUrl: string, logger?: Logger): Promise<string[]> {
  // node-pg-migrate is an ES module; Node 20.19+ loads it through require().
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    checkOrder: true,
    log: (msg: string) => logger?.debug({ component: 'migrations' }, msg),
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) logger?.info({ applied: names }, 'database migrations applied');
  return names;
}
