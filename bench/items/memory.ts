import { type BenchContext, cpuGroups, storedLineCount, truncateLogLines } from '../context';
import { CpuAccount, formatRate, idleRss, type MemoryTrace, peaksBySlice, RssSampler } from '../measure';
import { type ItemOutput, verdict } from '../report';
import { bulkLineBytes } from '../scripts';
import { checkComplete, followLogStream } from '../sse';

const followers = 3;
const targetGrowthMiB = 150;

/** Item 4: worker and API memory while one execution prints `bytes` and three SSE clients follow it. */
export async function benchMemory(ctx: BenchContext, out: ItemOutput, bytes: number): Promise<void> {
  const lines = Math.floor(bytes / bulkLineBytes);
  const mib = (lines * bulkLineBytes) / 2 ** 20;
  await truncateLogLines(ctx.db);
  const processes = [
    { name: 'worker', pid: ctx.stack.workerPid },
    { name: 'API', pid: ctx.stack.apiPid },
  ];

  ctx.say('memory: idle RSS for 3 s...');
  const idle = await Promise.all(processes.map((p) => idleRss(p.pid)));
  const cpu = new CpuAccount(cpuGroups(ctx));
  const sampler = new RssSampler(processes.map((p) => p.pid), 200);
  let traces: Map<number, MemoryTrace>;
  const started = performance.now();
  let id: string;
  let followMs: number[];
  let storedAt = 0;
  try {
    ctx.say(`memory: Migrator runs bulk.js ${lines} (${mib.toFixed(0)} MiB), ${followers} SSE clients follow it...`);
    id = await ctx.api.start(ctx.jobs.bulk, ctx.environmentId, { lines });
    const clients = Array.from({ length: followers }, async () => {
      const result = await followLogStream(ctx.api.client, id);
      return { result, ms: performance.now() - started };
    });
    const [done, ...followed] = await Promise.all([ctx.api.waitSucceeded(id, lines, 1000), ...clients]);
    storedAt = done.at - started;
    followed.forEach(({ result }, i) => checkComplete(result, lines, `SSE client ${i + 1}`));
    followMs = followed.map((f) => f.ms);
  } finally {
    traces = sampler.stop();
  }
  const elapsed = performance.now() - started;
  const cpuUse = CpuAccount.describe(cpu.stop());
  ctx.say(`memory: ${cpuUse}`);
  const stored = await storedLineCount(ctx.db, id);
  if (stored !== lines) throw new Error(`log_lines holds ${stored} rows of execution ${id}, expected ${lines}.`);
  await truncateLogLines(ctx.db);

  processes.forEach((p, i) => {
    const trace = traces.get(p.pid)!;
    const before = idle[i]!;
    const growth = trace.peakRss - before.rss;
    ctx.say(
      `memory: ${p.name} idle ${before.rss.toFixed(0)} MiB, peak ${trace.peakRss.toFixed(0)} MiB (+${growth.toFixed(0)}), ` +
        `VmHWM ${before.hwm.toFixed(0)} → ${trace.hwm.toFixed(0)} MiB, ${trace.samples} samples`,
    );
    out.rows.push({
      item: '4',
      figure: `memory, ${p.name}: peak RSS while ${mib.toFixed(0)} MiB are printed and followed by ${followers} SSE clients`,
      migrator: `${trace.peakRss.toFixed(0)} MiB (+${growth.toFixed(0)} MiB)`,
      baseline: `idle before ${before.rss.toFixed(0)} MiB`,
      ratio: `${(trace.peakRss / before.rss).toFixed(2)}×`,
      target: `growth ≤ ${targetGrowthMiB} MB`,
      verdict: verdict(growth * 1.048576 <= targetGrowthMiB),
    });
  });
  const rate = lines / (elapsed / 1000);
  const quarters = processes.map((p) => `${p.name} ${peaksBySlice(traces.get(p.pid)!, started, started + elapsed, 4).map((v) => v.toFixed(0)).join(' / ')}`);
  ctx.say(`memory: peak RSS per quarter of the run (MiB): ${quarters.join('; ')}`);
  out.notes.push(
    `Item 4: ${lines} lines of ${bulkLineBytes} B (${mib.toFixed(0)} MiB) in one execution, POST → last SSE client done in ` +
      `${(elapsed / 1000).toFixed(1)} s (${formatRate(rate)}); the execution succeeded at ${(storedAt / 1000).toFixed(1)} s, the clients finished at ${followMs.map((ms) => (ms / 1000).toFixed(1)).join(' / ')} s, ` +
      `each received every line 1..${lines} in order, then \`end\`. ${cpuUse}. VmRSS sampled every 200 ms of the node processes running ` +
      `src/worker/main.ts and src/api/main.ts (tsx's children); idle is the mean over 3 s before the POST. VmHWM (lifetime peak, ` +
      `including start-up bundling) went ${processes
        .map((p, i) => `${p.name} ${idle[i]!.hwm.toFixed(0)} → ${traces.get(p.pid)!.hwm.toFixed(0)} MiB`)
        .join(', ')}. Peak RSS in each quarter of the run (MiB): ${quarters.join('; ')}: a flat series means the growth is ` +
      `a one-off (heap sizing), not proportional to the volume. Growth is compared with the target in MB (10^6 bytes).`,
  );
}
