import { summarizeLatency, type LatencySummary } from '../measure';

/**
 * Times `calls` sequential calls of `call` (after one untimed warm-up call). A call slower than
 * `slowMs` cuts the series to `slowCalls`, so a pathological query costs seconds, not an hour;
 * the summary's count says how many ran.
 */
export async function timeCalls(call: () => Promise<unknown>, calls = 100, slowMs = 2000, slowCalls = 10): Promise<LatencySummary> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
    if (ms[0]! > slowMs && ms.length >= slowCalls) break;
  }
  return summarizeLatency(ms);
}
