import { setTimeout as sleep } from 'node:timers/promises';

import { Client, Connection } from '@temporalio/client';

import { stopChild } from '../../scripts/lib/processes';
import { type BenchContext, cpuGroups, truncateLogLines } from '../context';
import { checkFleet, fleetIntervalMs, fleetLines, fleetSize, prepareFleet, startFleet, waitAllFinal, waitAllStarted } from '../fleet';
import { CpuAccount } from '../measure';
import type { ItemOutput } from '../report';

/** How long after the last script started the split is read and one worker is killed. */
const killAfterMs = 20_000;

/** Which worker runs each execution's `runScript` now (its pending activity's last worker identity). */
async function runScriptWorkers(temporal: Client, ids: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const id of ids) {
    const { raw } = await temporal.workflow.getHandle(`execution-${id}`).describe();
    const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'runScript');
    owners.set(id, pending?.lastWorkerIdentity || 'none');
  }
  return owners;
}

/** The attempt of each execution's runScript that completed (above 1: it was re-attached). */
async function completedAttempts(temporal: Client, ids: string[]): Promise<number[]> {
  const attempts: number[] = [];
  for (const id of ids) {
    const history = await temporal.workflow.getHandle(`execution-${id}`).fetchHistory();
    const scheduled = new Set(
      history.events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runScript').map((e) => String(e.eventId)) ?? [],
    );
    const started = history.events?.filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId))) ?? [];
    attempts.push(Math.max(0, ...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0)));
  }
  return attempts;
}

/** Item 9: the same fleet on two worker processes; one is SIGKILLed mid-run and the other takes its executions over. */
export async function benchTakeover(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const fleet = await prepareFleet(ctx, 'takeover');
  await truncateLogLines(ctx.db);
  const second = await ctx.stack.addWorker('worker-b');
  const names = new Map([
    [ctx.stack.workerPid, 'A'],
    [second.pid, 'B'],
  ]);
  const nameOf = (identity: string): string => names.get(Number(identity.split('@')[0])) ?? identity;
  const connection = await Connection.connect({ address: ctx.stack.temporalAddress });
  const temporal = new Client({ connection });
  try {
    const cpu = new CpuAccount(cpuGroups(ctx, [second.pid]));
    const started = performance.now();
    ctx.say(`takeover: worker B up (pid ${second.pid}); starting ${fleetSize} executions on workers A and B...`);
    const ids = await startFleet(ctx, fleet, 'takeover');
    const allStarted = await waitAllStarted(fleet, 'takeover');
    await sleep(killAfterMs);
    const owners = await runScriptWorkers(temporal, ids);
    const split = new Map<string, number>();
    for (const identity of owners.values()) split.set(nameOf(identity), (split.get(nameOf(identity)) ?? 0) + 1);
    const splitText = [...split].sort().map(([name, n]) => `${name} ${n}`).join(', ');
    // The worker holding more runs dies: the harder case for the one left.
    const victim = (split.get('B') ?? 0) >= (split.get('A') ?? 0) ? { name: 'B', child: second.child } : { name: 'A', pid: ctx.stack.workerPid };
    const orphaned = split.get(victim.name) ?? 0;
    ctx.say(`takeover: runScript by worker: ${splitText}; SIGKILL worker ${victim.name} (${orphaned} running executions)`);
    const killedAt = performance.now();
    if ('child' in victim) await stopChild(victim.child, 'SIGKILL');
    else process.kill(victim.pid, 'SIGKILL');
    const finished = await waitAllFinal(ctx, ids);
    const cpuUse = CpuAccount.describe(cpu.stop());
    ctx.say(`takeover: ${cpuUse}`);
    const problems = await checkFleet(ctx, fleet, ids, 'takeover');
    await truncateLogLines(ctx.db);
    if (problems.length) throw new Error(`takeover: ${problems.length} problems: ${problems.slice(0, 5).join('; ')}`);
    const attempts = await completedAttempts(temporal, ids);
    const reattached = attempts.filter((a) => a > 1).length;
    out.rows.push(
      {
        item: '9',
        figure: `two workers: ${fleetSize} × ${fleetLines} lines at once, runScript by worker ${killAfterMs / 1000} s after all started`,
        migrator: splitText,
        baseline: `${fleetSize} executions`,
        ratio: `${(Math.min(...split.values()) / Math.max(...split.values())).toFixed(2)} min/max`,
        target: 'shared',
        verdict: split.size >= 2 && Math.min(...split.values()) > 0 ? 'met' : 'MISSED',
      },
      {
        item: '9',
        figure: `two workers, one SIGKILLed mid-run: succeeded, each script started once, every line once in order`,
        migrator: `${fleetSize}/${fleetSize}; ${reattached} re-attached`,
        baseline: `${orphaned} on the killed worker`,
        ratio: `${(reattached / Math.max(1, orphaned)).toFixed(2)}×`,
        target: 'all',
        verdict: 'met',
      },
    );
    out.notes.push(
      `Item 9: the fleet of item 8 (${fleetSize} × ${fleetLines} lines, one per ${fleetIntervalMs} ms) on a second environment, with a second worker process ` +
        `(worker B, started by the stack like the first, A). All scripts had started ${((allStarted - started) / 1000).toFixed(1)} s after the first POST; ` +
        `${killAfterMs / 1000} s later each workflow's pending runScript named its worker (lastWorkerIdentity from DescribeWorkflowExecution): ${splitText}. ` +
        `Worker ${victim.name} was then SIGKILLed; its ${orphaned} runScript attempts were given up after the heartbeat timeout (10 s by default) and retried on the other worker, ` +
        `which re-attached to the scripts still running on the host. The last execution ended ${((finished - killedAt) / 1000).toFixed(1)} s after the kill. ` +
        `Checked: all ${fleetSize} succeeded, each script's label appears once in the starts file, log_lines holds seq 1..${fleetLines} for each with line n saying n; ` +
        `${reattached} executions completed runScript on a later attempt than the first. Workers A and B count together as "worker": ${cpuUse}.`,
    );
  } finally {
    await connection.close();
  }
}
