import { setTimeout as sleep } from 'node:timers/promises';

import { type BenchContext, sshArgs } from '../context';
import { formatMs, formatRatio, median, runCommand } from '../measure';
import type { ItemOutput } from '../report';

const runs = 5;

/** POST → first stored line, polled through the API every 10 ms. */
async function dispatchOnce(ctx: BenchContext): Promise<number> {
  const started = performance.now();
  const id = await ctx.api.start(ctx.jobs.one, ctx.environmentId, {});
  let firstLineAt: number | null = null;
  while (firstLineAt === null) {
    const page = await ctx.api.logs(id, 0, 1);
    if (page.lines.length > 0) firstLineAt = performance.now();
    else if (page.complete) throw new Error(`Execution ${id} finished without a line.`);
    else await sleep(10);
  }
  await ctx.api.waitSucceeded(id, 1);
  return firstLineAt - started;
}

/** Item 5: how long until a one-line script's line is stored, against a bare `ssh host true`. */
export async function benchDispatch(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const migrator: number[] = [];
  for (let i = 0; i < runs; i++) migrator.push(await dispatchOnce(ctx));
  const ssh: number[] = [];
  for (let i = 0; i < runs; i++) ssh.push((await runCommand('ssh', sshArgs(ctx.sshd, 'true'))).ms);
  const m = median(migrator);
  const s = median(ssh);
  ctx.say(`dispatch: Migrator ${migrator.map((v) => Math.round(v)).join(', ')} ms; ssh true ${ssh.map((v) => Math.round(v)).join(', ')} ms`);
  out.rows.push({
    item: '5',
    figure: `dispatch: POST → first stored line, median of ${runs}`,
    migrator: formatMs(m),
    baseline: `ssh host true ${formatMs(s)}`,
    ratio: formatRatio(m / s),
    target: '',
    verdict: '',
  });
  out.notes.push(
    `Item 5: Migrator runs ${migrator.map((v) => Math.round(v)).join(', ')} ms; \`ssh … true\` runs ${ssh.map((v) => Math.round(v)).join(', ')} ms. ` +
      `Before the first line is stored the workflow runs prepareExecution, acquireSlot and checkProductionSafety, then SSH ` +
      `execs in two round trips (validateScript; then the start with the two followers alongside), each paying this host's login-shell start (root's ~/.bashrc ` +
      `runs \`pyenv init\`), which \`ssh … true\` pays once.`,
  );
}
