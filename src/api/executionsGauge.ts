import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';

import { countActive, countFinished } from '../db/executionCounts';
import { executionStatuses, type ExecutionStatus } from '../model/execution';

/**
 * `migrator_executions{status}` without counting the whole table on every scrape. The active
 * statuses (what alerts watch) are counted exactly each time, through the partial index that
 * holds only them; the finished ones, nearly every row and only ever growing, are counted again
 * at most once per `finishedMaxAgeSeconds`, and until then served from the last count.
 */
export function executionsGauge(pool: Pool, registry: Registry, finishedMaxAgeSeconds: number): Gauge {
  let finished: { counts: Map<ExecutionStatus, number>; countedAt: number } | undefined;
  let counting: Promise<Map<ExecutionStatus, number>> | undefined;

  const finishedCounts = (): Promise<Map<ExecutionStatus, number>> => {
    if (finished && Date.now() - finished.countedAt < finishedMaxAgeSeconds * 1000) return Promise.resolve(finished.counts);
    // Scrapes that arrive while a count runs share it.
    counting ??= (async () => {
      const countedAt = Date.now();
      try {
        const counts = await countFinished(pool);
        finished = { counts, countedAt };
        return counts;
      } finally {
        counting = undefined;
      }
    })();
    return counting;
  };

  return new Gauge({
    name: 'migrator_executions',
    help: `Executions by status: active ones as the database has them now, finished ones as of at most ${finishedMaxAgeSeconds} s ago.`,
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const [active, done] = await Promise.all([countActive(pool), finishedCounts()]);
      this.reset();
      for (const status of executionStatuses) this.set({ status }, active.get(status) ?? done.get(status) ?? 0);
    },
  });
}
