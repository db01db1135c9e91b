import { quote } from 'shell-quote';

import { type BenchContext, sshArgs, truncateLogLines } from '../context';
import { formatMs, formatRatio, runCommand, summarizeLatency, type LatencySummary } from '../measure';
import { type ItemOutput, verdict } from '../report';
import { checkComplete, followLogStream } from '../sse';

export const latencyRate = 10_000;
export const latencySeconds = 10;

/** Reads `<printed ms> …` lines from stdin and prints, as JSON, received − printed per line. */
const pipeReceiver = [
  "let carry = ''; const delays = [];",
  'process.stdin.on("data", (chunk) => {',
  '  const at = performance.timeOrigin + performance.now();',
  "  const parts = (carry + chunk.toString()).split('\\n'); carry = parts.pop();",
  "  for (const line of parts) delays.push(at - Number(line.slice(0, line.indexOf(' '))));",
  '});',
  'process.stdin.on("end", () => process.stdout.write(JSON.stringify(delays)));',
].join('\n');

function describe(s: LatencySummary): string {
  return `p50 ${formatMs(s.p50)} / p99 ${formatMs(s.p99)} / max ${formatMs(s.max)}`;
}

/** Item 3: printed-to-received delay of a 10,000 lines/s script, over SSE and over plain ssh. */
export async function benchLatency(ctx: BenchContext, out: ItemOutput): Promise<void> {
  const total = latencyRate * latencySeconds;
  await truncateLogLines(ctx.db);

  ctx.say(`latency: Migrator runs paced.js at ${latencyRate} lines/s for ${latencySeconds} s, one SSE client follows...`);
  const id = await ctx.api.start(ctx.jobs.paced, ctx.environmentId, { linesPerSecond: latencyRate, seconds: latencySeconds });
  const delays: number[] = [];
  // The stored ts is stamped when the worker splits the line: it cuts the delay in two.
  const toWorker: number[] = [];
  const workerToClient: number[] = [];
  const printedAt: number[] = [];
  const followed = await followLogStream(ctx.api.client, id, {
    onLog(_seq, line, receivedAt) {
      const { text, ts } = line();
      const printed = Number(text.slice(0, text.indexOf(' ')));
      const split = Date.parse(ts);
      delays.push(receivedAt - printed);
      printedAt.push(printed);
      toWorker.push(split - printed);
      workerToClient.push(receivedAt - split);
    },
  });
  checkComplete(followed, total, 'latency SSE client');
  await ctx.api.waitSucceeded(id, total);
  const migrator = summarizeLatency(delays);
  const firstLeg = summarizeLatency(toWorker);
  const secondLeg = summarizeLatency(workerToClient);
  // Lines printed before the followers (\`tail -F\`) are attached wait for them; past the first
  // second the figure is the steady state.
  const firstPrinted = Math.min(...printedAt);
  const steady = summarizeLatency(delays.filter((_d, i) => printedAt[i]! - firstPrinted >= 1000));
  const attachWait = Math.max(...toWorker);
  ctx.say(`latency: SSE ${describe(migrator)} (printed → worker split ${describe(firstLeg)}; split → SSE client ${describe(secondLeg)})`);
  ctx.say(`latency: lines printed after the first second: ${describe(steady)}`);

  ctx.say('latency: baseline ssh … paced.js | node -e …');
  const remote = `${process.execPath} ${ctx.scripts.paced} ${latencyRate} ${latencySeconds}`;
  const pipeline = `${quote(['ssh', ...sshArgs(ctx.sshd, remote)])} | ${quote([process.execPath, '-e', pipeReceiver])}`;
  const { stdout } = await runCommand('bash', ['-o', 'pipefail', '-c', pipeline]);
  const sshDelays = JSON.parse(stdout) as number[];
  if (sshDelays.length !== total) throw new Error(`The ssh baseline received ${sshDelays.length} lines, expected ${total}.`);
  const ssh = summarizeLatency(sshDelays);
  ctx.say(`latency: ssh ${describe(ssh)}`);

  out.rows.push(
    {
      item: '3',
      figure: `live tail p99, ${latencyRate / 1000} k lines/s for ${latencySeconds} s: printed → SSE event`,
      migrator: formatMs(migrator.p99),
      baseline: `ssh→node pipe ${formatMs(ssh.p99)}`,
      ratio: formatRatio(migrator.p99 / ssh.p99),
      target: 'p99 ≤ 250 ms',
      verdict: verdict(migrator.p99 <= 250),
    },
    {
      item: '3',
      figure: 'live tail p99, lines printed after the first second',
      migrator: formatMs(steady.p99),
      baseline: `ssh→node pipe ${formatMs(ssh.p99)}`,
      ratio: formatRatio(steady.p99 / ssh.p99),
      target: '',
      verdict: '',
    },
    {
      item: '3',
      figure: 'live tail p50 / max',
      migrator: `${formatMs(migrator.p50)} / ${formatMs(migrator.max)}`,
      baseline: `ssh→node pipe ${formatMs(ssh.p50)} / ${formatMs(ssh.max)}`,
      ratio: formatRatio(migrator.p50 / ssh.p50),
      target: '',
      verdict: '',
    },
  );
  out.notes.push(
    `Item 3: each line carries the wall-clock time of its write (performance.timeOrigin + performance.now(), same host); ` +
      `the delay is the arrival time of the chunk holding it minus that. Migrator: ${total} lines over ` +
      `GET /executions/:id/logs/stream (all received, in order, then \`end\`). Baseline: the same script through ` +
      `\`ssh host script | node -e …\`, the transport alone. Split by the stored ts (ms resolution, stamped when the worker ` +
      `splits the line): printed → worker ${describe(firstLeg)} (tail -F of the output file, SSH, the worker's event loop); ` +
      `worker → SSE client ${describe(secondLeg)} (the LogPump batch, at most one commit per 25 ms or 5,000 lines, its commit, NOTIFY, ` +
      `the API's read and the SSE write). The followers (\`tail -F\`) open in SSH execs alongside the one that starts the ` +
      `script and wait on the host for its pid, so the first lines reach the worker at most ${formatMs(attachWait)} late. ` +
      `Past the first second p50/p99/max are ${describe(steady)}.`,
  );
}
