import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const web = path.resolve(__dirname, '..', '..', 'web');

/** The newest modification time of any file under `dir`. */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the console when web/dist is missing or older than its sources, so the browser tests
 * test the code as it is (scripts/setup.sh builds it too; this keeps `npm test` honest alone).
 */
export function ensureConsoleBuilt(): void {
  const index = path.join(web, 'dist', 'index.html');
  const sources = Math.max(newestSource(path.join(web, 'src')), statSync(path.join(web, 'index.html')).mtimeMs, statSync(path.join(web, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Jest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npm', ['run', 'build', '-w', 'web', '--silent'], { cwd: path.dirname(web), stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}
