import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { dataOrThrow } from '@migrator/api-client';

import { ensureJob as ensureCatalogJob } from '../scripts/lib/catalog';
import { loopbackEnvironment } from '../scripts/lib/loopbackSshd';
import { isFinalStatus } from '../src/model/execution';
import type { BenchContext } from './context';
import { parentOf, processTree } from './measure';

/**
 * Items 8 and 9: a fleet of executions that each print a numbered line every 100 ms for two
 * minutes, all running at once. Each script appends its label to one file on the host when it
 * starts, so a second start of any of them shows.
 */
export const fleetSize = 200;
export const fleetLines = 1200;
export const fleetIntervalMs = 100;

export interface Fleet {
  environmentId: string;
  jobIds: string[];
  /** One line per script start: the label it was given. */
  startsFile: string;
}

/**
 * `fleet.sh <label> <lines>`: bash sleeping with `read -t` on a pipe nobody writes to, so it
 * forks nothing per line (200 `sleep` processes ten times a second would cost more than Migrator).
 */
function fleetScript(startsFile: string): string {
  return [
    'label=$1; lines=$2',
    `printf '%s\\n' "$label" >> ${JSON.stringify(startsFile)}`,
    'exec 3<> <(:)',
    'for ((i = 1; i <= lines; i++)); do',
    '  printf \'%s %d\\n\' "$label" "$i"',
    `  read -t ${(fleetIntervalMs / 1000).toFixed(1)} -u 3 || true`,
    'done',
    '',
  ].join('\n');
}

/** Its own environment (maxConcurrency = the fleet) and one job per execution: a job runs once at a time per environment. */
export async function prepareFleet(ctx: BenchContext, name: string): Promise<Fleet> {
  const startsFile = path.join(ctx.scripts.dir, `${name}.starts`);
  const script = path.join(ctx.scripts.dir, `${name}.sh`);
  writeFileSync(script, fleetScript(startsFile), { mode: 0o644 });
  writeFileSync(startsFile, '');
  const environment = dataOrThrow(
    await ctx.api.client.POST('/api/v1/environments', { body: { ...loopbackEnvironment(ctx.sshd, `bench-${name}`), maxConcurrency: fleetSize } }),
  );
  const jobIds: string[] = [];
  for (let i = 1; i <= fleetSize; i++) {
    const job = await ensureCatalogJob(ctx.api.client, {
      name: `bench-${name}-${String(i).padStart(3, '0')}`,
      sourceId: ctx.sourceId,
      scriptPath: script,
      interpreter: 'bash',
      timeoutSeconds: 3600,
      parameters: [
        { name: 'label', type: 'string' },
        { name: 'lines', type: 'integer', min: 1 },
      ],
    });
    jobIds.push(job.id);
  }
  return { environmentId: environment.id, jobIds, startsFile };
}

/** POSTs one execution per job, 20 requests at a time; resolves with the ids in job order. */
export async function startFleet(ctx: BenchContext, fleet: Fleet, phase: string): Promise<string[]> {
  const ids: string[] = new Array(fleet.jobIds.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fleet.jobIds.length) {
      const i = next++;
      ids[i] = await ctx.api.start(fleet.jobIds[i]!, fleet.environmentId, { label: `${phase}-${i + 1}`, lines: fleetLines });
    }
  };
  await Promise.all(Array.from({ length: 20 }, lane));
  return ids;
}

/** Labels in the starts file, with how often each started. */
export function startCounts(fleet: Fleet): Map<string, number> {
  const counts = new Map<string, number>();
  for (const label of readFileSync(fleet.startsFile, 'utf8').split('\n').filter(Boolean)) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

/** Waits until every script of `phase` has started; resolves with performance.now() then. */
export async function waitAllStarted(fleet: Fleet, phase: string, timeoutMs = 10 * 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = [...startCounts(fleet).keys()].filter((label) => label.startsWith(`${phase}-`)).length;
    if (started >= fleetSize) return performance.now();
    if (Date.now() > deadline) throw new Error(`Only ${started} of ${fleetSize} scripts started within ${timeoutMs / 1000} s.`);
    await sleep(200);
  }
}

/** Waits until every execution is final; resolves with performance.now() then. */
export async function waitAllFinal(ctx: BenchContext, ids: string[], timeoutMs = 15 * 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await ctx.db.query<{ status: string; n: string }>(
      'select status, count(*) as n from executions where id = any($1::uuid[]) group by status',
      [ids],
    );
    const ended = rows.filter((r) => isFinalStatus(r.status)).reduce((sum, r) => sum + Number(r.n), 0);
    if (ended === ids.length) return performance.now();
    if (Date.now() > deadline) throw new Error(`${ended} of ${ids.length} executions ended within ${timeoutMs / 1000} s.`);
    await sleep(500);
  }
}

/**
 * Every execution succeeded and stored exactly `fleetLines` rows, seq 1..n with line n saying n
 * (so in order and none twice), and its script started exactly once. Returns the problems found.
 */
export async function checkFleet(ctx: BenchContext, fleet: Fleet, ids: string[], phase: string): Promise<string[]> {
  const problems: string[] = [];
  const { rows: statuses } = await ctx.db.query<{ id: string; status: string; error_code: string | null }>(
    'select id, status, error_code from executions where id = any($1::uuid[])',
    [ids],
  );
  for (const row of statuses) if (row.status !== 'succeeded') problems.push(`${row.id} ended ${row.status} (${row.error_code})`);
  const { rows: lines } = await ctx.db.query<{ id: string; n: string; distinct_seq: string; lo: string; hi: string; misplaced: string }>(
    `select e.id, count(l.seq) as n, count(distinct l.seq) as distinct_seq, min(l.seq) as lo, max(l.seq) as hi,
            count(*) filter (where l.stream <> 'stdout' or split_part(l.text, ' ', 2) <> l.seq::text) as misplaced
       from executions e left join log_lines l on l.execution_id = e.id
      where e.id = any($1::uuid[]) group by e.id`,
    [ids],
  );
  for (const row of lines) {
    const exact = Number(row.n) === fleetLines && Number(row.distinct_seq) === fleetLines && Number(row.lo) === 1 && Number(row.hi) === fleetLines;
    if (!exact || Number(row.misplaced) !== 0) {
      problems.push(`${row.id}: ${row.n} rows, ${row.distinct_seq} distinct seq ${row.lo}..${row.hi}, ${row.misplaced} out of place`);
    }
  }
  const counts = startCounts(fleet);
  for (let i = 1; i <= fleetSize; i++) {
    const n = counts.get(`${phase}-${i}`) ?? 0;
    if (n !== 1) problems.push(`script ${phase}-${i} started ${n} times`);
  }
  return problems;
}

/** SSH as the host sees it: connections (sshd's per-connection `user@notty` processes) and the sessions (channels) under them. */
export interface SshUse {
  connections: number;
  channels: number;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Counts the loopback sshd's connections and open sessions now. */
export function sshUse(sshdPid: number): SshUse {
  const tree = processTree(sshdPid);
  const connections = new Set(tree.filter((pid) => /^sshd: \S+@notty$/.test(commandLine(pid))));
  const channels = tree.filter((pid) => connections.has(parentOf(pid))).length;
  return { connections: connections.size, channels };
}

/** Samples `sshUse` every second; keeps the peaks and the samples. */
export class SshUseSampler {
  readonly samples: (SshUse & { at: number })[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sshdPid: number) {
    this.timer = setInterval(() => this.samples.push({ at: performance.now(), ...sshUse(this.sshdPid) }), 1000);
  }

  stop(): { peakConnections: number; peakChannels: number } {
    clearInterval(this.timer);
    return {
      peakConnections: Math.max(0, ...this.samples.map((s) => s.connections)),
      peakChannels: Math.max(0, ...this.samples.map((s) => s.channels)),
    };
  }

  /** The sample nearest to `at` (performance.now()). */
  near(at: number): SshUse {
    return this.samples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best), { at: Number.POSITIVE_INFINITY, connections: 0, channels: 0 });
  }
}
