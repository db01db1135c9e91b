import { readFileSync } from 'node:fs';

/**
 * `tsx bench/profile.ts <file.cpuprofile> [top]`: self time of a V8 CPU profile (`--cpu-prof`,
 * see `npm run bench -- --profile-worker`) by function and by package or source folder.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/[^/]+|bench|scripts)\//.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return 'node core';
  return url.slice(-40);
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

function summarize(file: string, n: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const place = where(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    total += us;
  });
  const idle = (byFunction.get('(idle) (native)') ?? 0) + (byFunction.get('(program) (native)') ?? 0);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((1 - idle / total) * 100).toFixed(1)}% not idle/program`);
  console.log('by package or folder:');
  for (const line of top(byPlace, total, n)) console.log(`  ${line}`);
  console.log('by function:');
  for (const line of top(byFunction, total, n)) console.log(`  ${line}`);
}

const [file, count] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
summarize(file, Number(count ?? 25));
