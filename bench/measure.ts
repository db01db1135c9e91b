import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds on the wall clock with sub-millisecond digits, comparable across processes on this host. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarizeLatency(delays: number[]): LatencySummary {
  const sorted = Float64Array.from(delays).sort();
  const asArray = Array.from(sorted);
  return { count: delays.length, p50: percentile(asArray, 50), p99: percentile(asArray, 99), max: asArray.at(-1) ?? Number.NaN };
}

/** Runs a command to completion; rejects on a non-zero exit with its stderr. */
export function runCommand(
  command: string,
  args: string[],
  options: { stdin?: number | 'ignore'; stdout?: 'ignore' | 'pipe'; env?: NodeJS.ProcessEnv } = {},
): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${command} ${args.join(' ').slice(0, 200)} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** VmRSS and VmHWM of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

export interface MemoryTrace {
  samples: number;
  /** [performance.now(), VmRSS MiB] of every sample. */
  series: [number, number][];
  peakRss: number;
  lastRss: number;
  hwm: number;
}

/** Samples VmRSS of some processes every `intervalMs` until stopped; keeps only peaks. */
export class RssSampler {
  private readonly traces = new Map<number, MemoryTrace>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: number[],
    intervalMs = 200,
  ) {
    for (const pid of pids) this.traces.set(pid, { samples: 0, series: [], peakRss: 0, lastRss: 0, hwm: 0 });
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): Map<number, MemoryTrace> {
    clearInterval(this.timer);
    this.sample();
    return this.traces;
  }

  private sample(): void {
    for (const pid of this.pids) {
      const trace = this.traces.get(pid)!;
      try {
        const { rss, hwm } = memoryOf(pid);
        trace.samples += 1;
        trace.series.push([performance.now(), rss]);
        trace.lastRss = rss;
        trace.peakRss = Math.max(trace.peakRss, rss);
        trace.hwm = hwm;
      } catch {
        // The process is gone; its last sample stands.
      }
    }
  }
}

/** The peak VmRSS in each of `parts` equal slices of [from, to]: flat peaks mean memory does not grow with volume. */
export function peaksBySlice(trace: MemoryTrace, from: number, to: number, parts: number): number[] {
  const peaks = new Array<number>(parts).fill(0);
  for (const [t, rss] of trace.series) {
    if (t < from || t > to) continue;
    const slice = Math.min(parts - 1, Math.floor(((t - from) / (to - from)) * parts));
    peaks[slice] = Math.max(peaks[slice]!, rss);
  }
  return peaks;
}

/** Average VmRSS over `ms`, sampled every 200 ms: the idle figure before a load. */
export async function idleRss(pid: number, ms = 3000): Promise<{ rss: number; hwm: number }> {
  const values: number[] = [];
  let hwm = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const m = memoryOf(pid);
    values.push(m.rss);
    hwm = m.hwm;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { rss: values.reduce((a, b) => a + b, 0) / values.length, hwm };
}

export function formatRate(linesPerSecond: number): string {
  if (!Number.isFinite(linesPerSecond)) return 'n/a';
  if (linesPerSecond >= 10_000) return `${Math.round(linesPerSecond / 1000).toLocaleString('en-US')} k lines/s`;
  return `${Math.round(linesPerSecond).toLocaleString('en-US')} lines/s`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

const ticksPerSecond = 100;

/** utime+stime and cutime+cstime of a process in seconds; undefined once it is gone. */
function processCpu(pid: number): { self: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    const n = (i: number): number => Number(f[i] ?? 0);
    return { self: (n(11) + n(12)) / ticksPerSecond, children: (n(13) + n(14)) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

/** Pids of every process whose command name is `name`. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === name) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** The parent pid of a live process, 0 once it is gone. */
export function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** `root` and every live process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    // Gone meanwhile: no parent.
    if (ppid !== 0) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** A set of processes whose CPU time is summed; `withChildren` adds the exited children they reaped. */
export interface CpuGroup {
  name: string;
  pids: () => number[];
  withChildren?: boolean;
}

function machineCpu(): { busy: number; iowait: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / ticksPerSecond, iowait: iowait / ticksPerSecond, total: (busy + idle + iowait) / ticksPerSecond };
}

/** CPU seconds each group and the whole machine spent between `new CpuAccount()` and `stop()`. */
export class CpuAccount {
  private readonly startedAt = performance.now();
  private readonly before: number[];
  private readonly machineBefore = machineCpu();
  /**
   * The last reading of each process of a group without children, by group: a process killed
   * mid-measurement (item 9's worker) counts with what it had spent when last seen, instead of
   * dropping out of the sum. (A group with children is a tree whose exited members land in
   * their parent's children time.)
   */
  private readonly lastSeen: Map<number, number>[];
  private readonly sampler: NodeJS.Timeout;

  constructor(private readonly groups: CpuGroup[]) {
    this.lastSeen = groups.map(() => new Map());
    this.before = groups.map((g, i) => this.groupSeconds(g, i));
    // Only the groups that remember their processes: a tree is read whole at the start and the end.
    this.sampler = setInterval(() => this.groups.forEach((g, i) => g.withChildren || this.groupSeconds(g, i)), 1000).unref();
  }

  stop(): { wallSeconds: number; groups: { name: string; seconds: number }[]; busy: number; iowait: number; cores: number } {
    clearInterval(this.sampler);
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const machine = machineCpu();
    return {
      wallSeconds,
      groups: this.groups.map((g, i) => ({ name: g.name, seconds: this.groupSeconds(g, i) - this.before[i]! })),
      busy: machine.busy - this.machineBefore.busy,
      iowait: machine.iowait - this.machineBefore.iowait,
      cores: (machine.total - this.machineBefore.total) / wallSeconds,
    };
  }

  /**
   * CPU seconds of Migrator's side of a run: worker, API, PostgreSQL, Temporal, sshd with its
   * shells and tails. Not the scripts, the bench or whatever else shares the machine.
   */
  static migratorSeconds(result: ReturnType<CpuAccount['stop']>): number {
    const migrator = new Set(['worker', 'API', 'PostgreSQL', 'Temporal', 'sshd+tail']);
    return result.groups.filter((g) => migrator.has(g.name)).reduce((sum, g) => sum + g.seconds, 0);
  }

  /** One line: "worker 12.3 s, API 4.5 s, …; machine busy 1.6 of 2 cores, iowait 0.1". */
  static describe(result: ReturnType<CpuAccount['stop']>): string {
    const named = result.groups.reduce((sum, g) => sum + g.seconds, 0);
    const parts = result.groups.map((g) => `${g.name} ${g.seconds.toFixed(1)}`);
    parts.push(`everything else ${Math.max(0, result.busy - named).toFixed(1)}`);
    return (
      `CPU seconds over ${result.wallSeconds.toFixed(1)} s: ${parts.join(', ')}; the machine was busy ` +
      `${(result.busy / result.wallSeconds).toFixed(2)} of ${Math.round(result.cores)} cores on average, iowait ${(result.iowait / result.wallSeconds).toFixed(2)}`
    );
  }

  private groupSeconds(group: CpuGroup, index: number): number {
    if (group.withChildren) {
      return group.pids().reduce((sum, pid) => {
        const cpu = processCpu(pid);
        return sum + (cpu ? cpu.self + cpu.children : 0);
      }, 0);
    }
    const seen = this.lastSeen[index]!;
    for (const pid of group.pids()) {
      const cpu = processCpu(pid);
      if (cpu) seen.set(pid, cpu.self);
    }
    return [...seen.values()].reduce((sum, seconds) => sum + seconds, 0);
  }
}
