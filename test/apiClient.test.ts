import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(__dirname, '..');
const committed = path.join(repoRoot, 'packages', 'api-client', 'src', 'schema.ts');

/** `npm run client:check` with `args`, as a process: its exit code and what it printed. */
async function check(args: string[] = []): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), path.join(repoRoot, 'scripts', 'generateApiClient.ts'), '--check', ...args], {
      cwd: repoRoot,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const failed = err as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? String(err) };
  }
}

describe('the generated API client', () => {
  test('when the committed client is compared with what the current API document generates, then they are the same', async () => {
    const result = await check();
    // On failure the message says which line differs and to run `npm run client:generate`.
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('when a committed client differs from what the API generates (a renamed field), then the check names the line, says how to fix it, and fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-client-'));
    try {
      const stale = path.join(dir, 'schema.ts');
      writeFileSync(stale, readFileSync(committed, 'utf8').replace('hostKeyFingerprint: string | null;', 'hostKeyPin: string | null;'));
      const result = await check(['--schema', stale]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('hostKeyPin');
      expect(result.stderr).toContain('npm run client:generate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
