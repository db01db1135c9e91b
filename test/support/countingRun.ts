import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isFinished, type Harness } from './harness';

/** How many numbered lines a counting run prints. */
export const countingLines = 150;
/** It prints this many, then waits for `release()`: the fault lands mid-run whatever the load. */
export const linesBeforeRelease = 20;

export interface CountingRun {
  id: string;
  /** File on the host with one line per start of the script. */
  starts: string;
  /** Lets the script print the rest of its lines and exit. */
  release(): void;
}

/** Starts a script that records each of its starts on the host and prints numbered lines. */
export async function startCountingRun(h: Harness, environmentId: string, name: string): Promise<CountingRun> {
  const starts = path.join(h.scriptsDir, `${name}.starts`);
  const releaseFile = path.join(h.scriptsDir, `${name}.release`);
  const script = h.writeScript(
    `${name}.js`,
    [
      "const fs = require('fs');",
      `fs.appendFileSync(${JSON.stringify(starts)}, 'start\\n');`,
      'let i = 0;',
      'const t = setInterval(() => {',
      `  if (i === ${linesBeforeRelease} && !fs.existsSync(${JSON.stringify(releaseFile)})) return;`,
      "  i += 1; console.log('line ' + i);",
      `  if (i === ${countingLines}) clearInterval(t);`,
      '}, 20);',
    ].join('\n'),
  );
  const job = await h.createJob({ scriptPath: script });
  const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
  if (res.status !== 202) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, starts, release: () => writeFileSync(releaseFile, '') };
}

/** The run succeeded, started once on the host, and every line is stored once, in order. */
export async function expectExactlyOnce(h: Harness, id: string, starts: string): Promise<void> {
  const done = await h.waitForExecution(id, isFinished, 90_000);
  expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
  expect(readFileSync(starts, 'utf8')).toBe('start\n');
  const logs = await h.request('GET', `/api/v1/executions/${id}/logs?limit=5000`);
  expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual(Array.from({ length: countingLines }, (_, i) => `line ${i + 1}`));
  expect(logs.body.lines.map((l: { seq: number }) => l.seq)).toEqual(Array.from({ length: countingLines }, (_, i) => i + 1));
}

/** The attempt number of the runScript attempt that completed: above 1 means a fault forced a retry. */
export async function runScriptAttempt(h: Harness, id: string): Promise<number> {
  const history = await h.temporal.workflow.getHandle(`execution-${id}`).fetchHistory();
  const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runScript');
  const started = history.events?.find(
    (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
  );
  return started?.activityTaskStartedEventAttributes?.attempt ?? 0;
}
