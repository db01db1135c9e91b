import { setTimeout as sleep } from 'node:timers/promises';

import { type BenchContext, cpuGroups, truncateLogLines } from '../context';
import { checkFleet, fleetIntervalMs, fleetLines, fleetSize, prepareFleet, SshUseSampler, startFleet, waitAllFinal, waitAllStarted } from '../fleet';
import { CpuAccount, idleRss, peaksBySlice, RssSampler } from '../measure';
import { describeRamp } from '../ramp';
import { type ItemOutput, verdict } from '../report';

const targetGrowthMB = 300;
/** CPU is measured over this window, from the moment the last script started. */
const steadyWindowMs = 30_000;

/** Samples how many of `ids` are running, every second for `ms`; resolves with the mean. */
async function meanRunning(ctx: BenchContext, ids: string[], ms: number): Promise<number> {
  const counts: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const { rows } = await ctx.db.query<{ n: string }>(`select count(*) as n from executions where id = any($1::uuid[]) and status = 'running'`, [ids]);
    counts.push(Number(rows[0]!.n));
    await sleep(1000);
  }
  return counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
}

/** Item 8: 200 executions printing a line every 100 ms for 2 minutes, all at once on one worker. */
export async function benchManyOnOne(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const fleet = await prepareFleet(ctx, 'many');
  await truncateLogLines(ctx.db);
  const worker = ctx.stack.workerPid;
  ctx.say('many: idle RSS of the worker for 3 s...');
  const idle = await idleRss(worker);
  const cpu = new CpuAccount(cpuGroups(ctx));
  const rss = new RssSampler([worker], 500);
  const ssh = new SshUseSampler(ctx.sshd.pid);
  const started = performance.now();
  ctx.say(`many: starting ${fleetSize} executions of ${fleetLines} lines, one per ${fleetIntervalMs} ms...`);
  let ids: string[];
  let allStarted: number;
  let steady: ReturnType<CpuAccount['stop']>;
  let running: number;
  let finished: number;
  let traces: ReturnType<RssSampler['stop']>;
  let sshPeak: ReturnType<SshUseSampler['stop']>;
  try {
    ids = await startFleet(ctx, fleet, 'many');
    const posted = performance.now();
    allStarted = await waitAllStarted(fleet, 'many');
    ctx.say(`many: all POSTed in ${((posted - started) / 1000).toFixed(1)} s, all scripts started at ${((allStarted - started) / 1000).toFixed(1)} s`);
    const window = new CpuAccount(cpuGroups(ctx));
    running = await meanRunning(ctx, ids, steadyWindowMs);
    steady = window.stop();
    finished = await waitAllFinal(ctx, ids);
  } finally {
    traces = rss.stop();
    sshPeak = ssh.stop();
  }
  const trace = traces.get(worker)!;
  const midRun = ssh.near(allStarted + steadyWindowMs / 2);
  const cpuUse = CpuAccount.describe(cpu.stop());
  ctx.say(`many: ${cpuUse}`);
  const { rows: workflows } = await ctx.db.query<{ workflow_id: string }>('select workflow_id from executions where id = any($1::uuid[])', [ids]);
  const ramp = await describeRamp(
    ctx.stack.temporalAddress,
    workflows.map((r) => r.workflow_id),
    Date.now() - (performance.now() - started),
  ).catch((err: unknown) => [`could not read the histories: ${String(err)}`]);
  for (const line of ramp) ctx.say(`many: ramp, ${line}`);
  const problems = await checkFleet(ctx, fleet, ids, 'many');
  await truncateLogLines(ctx.db);
  if (problems.length) throw new Error(`many: ${problems.length} problems: ${problems.slice(0, 5).join('; ')}`);

  const growthMiB = trace.peakRss - idle.rss;
  const seconds = (name: string): number => steady.groups.find((g) => g.name === name)?.seconds ?? Number.NaN;
  const perExecution = (name: string): number => (seconds(name) * 1000) / steady.wallSeconds / running;
  const workerMs = perExecution('worker');
  const quarters = peaksBySlice(trace, started, finished, 4).map((v) => v.toFixed(0)).join(' / ');
  ctx.say(`many: worker RSS idle ${idle.rss.toFixed(0)} MiB, peak ${trace.peakRss.toFixed(0)} MiB; SSH mid-run ${midRun.connections} connections / ${midRun.channels} channels`);
  out.rows.push(
    {
      item: '8',
      figure: `many on one worker: ${fleetSize} × ${fleetLines} lines (1 per ${fleetIntervalMs} ms) at once, succeeded, every line once in order`,
      migrator: `${fleetSize}/${fleetSize}, ${(fleetSize * fleetLines).toLocaleString('en-US')} rows exact`,
      baseline: `each script started once`,
      ratio: '1.00×',
      target: 'all',
      verdict: 'met',
    },
    {
      item: '8',
      figure: 'many on one worker: worker peak RSS',
      migrator: `${trace.peakRss.toFixed(0)} MiB (+${growthMiB.toFixed(0)} MiB)`,
      baseline: `idle before ${idle.rss.toFixed(0)} MiB`,
      ratio: `${(trace.peakRss / idle.rss).toFixed(2)}×`,
      target: `growth ≤ ${targetGrowthMB} MB`,
      verdict: verdict(growthMiB * 1.048576 <= targetGrowthMB),
    },
    {
      item: '8',
      figure: 'many on one worker: SSH connections / channels mid-run (peak)',
      migrator: `${midRun.connections} / ${midRun.channels} (${sshPeak.peakConnections} / ${sshPeak.peakChannels})`,
      baseline: `sshd MaxSessions 10 per connection`,
      ratio: `${(midRun.channels / Math.max(1, midRun.connections)).toFixed(1)} per conn.`,
      target: '≤ 10 per conn.',
      verdict: verdict(midRun.channels <= 10 * midRun.connections),
    },
    {
      item: '8',
      figure: 'many on one worker: worker CPU per running execution',
      migrator: `${workerMs.toFixed(2)} ms/s`,
      baseline: `sshd+tail ${perExecution('sshd+tail').toFixed(2)} ms/s`,
      ratio: `${(workerMs / perExecution('sshd+tail')).toFixed(2)}×`,
      target: '',
      verdict: '',
    },
  );
  out.notes.push(
    `Item 8: ${fleetSize} jobs on an environment of maxConcurrency ${fleetSize}, each a bash script printing \`<label> <n>\` every ${fleetIntervalMs} ms ` +
      `(\`read -t\`, nothing forked per line) ${fleetLines} times, on the one worker of the stack (WORKER_MAX_CONCURRENT_ACTIVITIES default). ` +
      `POSTs 20 at a time; all ${fleetSize} scripts had started ${((allStarted - started) / 1000).toFixed(1)} s after the first POST; the last execution ended ` +
      `${((finished - started) / 1000).toFixed(1)} s after it. Checked: every execution succeeded, log_lines holds ${fleetLines} rows for each, seq 1..${fleetLines} ` +
      `with line n saying n, and each script appended its label once to a starts file on the host. ` +
      `Worker VmRSS sampled every 500 ms: idle ${idle.rss.toFixed(0)} MiB (mean of 3 s before the POSTs), peak ${trace.peakRss.toFixed(0)} MiB, peak per quarter of the run ${quarters} MiB, VmHWM ${trace.hwm.toFixed(0)} MiB. ` +
      `SSH, counted on the host (sshd's per-connection \`user@notty\` processes and the sessions under them): ${midRun.connections} connections carrying ${midRun.channels} channels ` +
      `mid-run (one follower channel per running execution), peak ${sshPeak.peakConnections} connections and ${sshPeak.peakChannels} channels (the peak adds the starts' and finishes' short sessions). ` +
      `CPU per running execution over the ${steady.wallSeconds.toFixed(0)} s after the last script started, ${running.toFixed(0)} executions running on average ` +
      `(ms of CPU per second of run): worker ${workerMs.toFixed(2)}, ` +
      `API ${perExecution('API').toFixed(2)}, PostgreSQL ${perExecution('PostgreSQL').toFixed(2)}, Temporal ${perExecution('Temporal').toFixed(2)}, sshd+tail ${perExecution('sshd+tail').toFixed(2)}; ` +
      `the machine was busy ${(steady.busy / steady.wallSeconds).toFixed(2)} of ${Math.round(steady.cores)} cores. Whole item, ${cpuUse}. ` +
      `The start ramp step by step (each workflow's first attempt of each activity, from its history; times after the first POST): ${ramp.join('; ')}.`,
  );
}
