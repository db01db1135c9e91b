import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** One line of the results table: a Migrator figure next to its baseline from the same run. */
export interface ResultRow {
  item: string;
  figure: string;
  migrator: string;
  baseline: string;
  ratio: string;
  target: string;
  /** 'met', 'MISSED' or '' when there is no target. */
  verdict: string;
}

/** Figures one item hands to later ones (e.g. the single-execution rate for the concurrency item). */
export interface SharedFigures {
  pipelineStoredRate?: number;
  pipelineEndToEndRate?: number;
  /** Migrator's CPU seconds (CpuAccount.migratorSeconds) per stored line of item 1, POST → succeeded. */
  pipelineCpuPerLine?: number;
}

export function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

function capture(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** The commit measured and the files changed on top of it (read-only: no index refresh). */
export function describeTree(repoRoot: string): string {
  const head = capture('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']);
  const changed = capture('git', ['-C', repoRoot, '--no-optional-locks', 'status', '--porcelain', '--untracked-files=no', '--', 'src', 'db', 'package.json'])
    .split('\n')
    .map((line) => line.slice(3))
    .filter(Boolean);
  return `tree measured: ${head}${changed.length ? ` plus uncommitted changes in ${changed.join(', ')}` : ', no uncommitted changes in src/, db/, package.json'}`;
}

/** nproc, memory, kernel, CPU model, PostgreSQL server and client, Node, OpenSSH. */
export async function describeMachine(serverVersion: () => Promise<string>): Promise<string[]> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `nproc: ${capture('nproc', [])} (${cpu})`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free at start`,
    `kernel: ${capture('uname', ['-r'])} (${capture('uname', ['-m'])})`,
    `PostgreSQL: ${await serverVersion().catch(() => 'unknown')} (client: ${capture('psql', ['--version'])})`,
    `Node: ${process.version}`,
    `OpenSSH: ${capture('bash', ['-c', 'ssh -V 2>&1'])}`,
  ];
}

function pad(cells: string[], widths: number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
}

/** A Markdown table that also reads well in a terminal. */
export function renderTable(rows: ResultRow[]): string {
  const header = ['#', 'figure', 'Migrator', 'baseline (same run)', 'ratio', 'target', ''];
  const cells = rows.map((r) => [r.item, r.figure, r.migrator, r.baseline, r.ratio, r.target, r.verdict].map((c) => c.replace(/\|/g, '\\|')));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [pad(header, widths), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map((c) => pad(c, widths))].join('\n');
}

export interface Report {
  command: string;
  startedAt: Date;
  durationSeconds: number;
  machine: string[];
  rows: ResultRow[];
  notes: string[];
  errors: string[];
}

export function renderReport(report: Report): string {
  const minutes = Math.floor(report.durationSeconds / 60);
  const seconds = Math.round(report.durationSeconds % 60);
  return [
    '# Migrator benchmark results',
    '',
    `- command: \`${report.command}\``,
    `- date: ${report.startedAt.toISOString()}`,
    `- whole run: ${minutes} min ${seconds} s`,
    ...report.machine.map((m) => `- ${m}`),
    '',
    'Every Migrator figure sits next to a baseline measured in the same run on the same machine',
    '(2 noisy cores), so read the ratios rather than the absolute numbers.',
    '',
    renderTable(report.rows),
    '',
    '## Notes',
    '',
    ...report.notes.map((n) => `- ${n}`),
    ...(report.errors.length ? ['', '## Errors', '', ...report.errors.map((e) => `- ${e}`)] : []),
    '',
  ].join('\n');
}

/** Where an item puts its table rows and the notes explaining them. */
export interface ItemOutput {
  rows: ResultRow[];
  notes: string[];
  shared: SharedFigures;
}
