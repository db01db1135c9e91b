import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');

describe('the CLI as operators install it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-cli-pack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('when its packed tarball is installed with npm install -g, then migrator runs, with no dependency to fetch and nothing of Temporal, ssh2 or pg', async () => {
    // globalSetup built the bundle; packing without the prepack build keeps other test files' reads of it whole.
    await run('npm', ['pack', '-w', '@migrator/cli', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: repoRoot });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe('migrator-cli-0.1.0.tgz');
    const prefix = path.join(dir, 'prefix');
    await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, path.join(dir, tarball!)], { cwd: dir });

    const installed = path.join(prefix, 'lib', 'node_modules', '@migrator', 'cli');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(readdirSync(installed).sort()).toEqual(['bin', 'dist', 'package.json']);
    const bundle = readFileSync(path.join(installed, 'dist', 'migrator.js'), 'utf8');
    expect(bundle).not.toMatch(/require\("(@temporalio\/[^"]+|ssh2|pg)"\)/);

    const bin = path.join(prefix, 'bin', 'migrator');
    const version = await run(bin, ['--version'], { cwd: dir });
    expect(version.stdout).toBe('0.1.0\n');
    const help = await run(bin, ['run', '--help'], { cwd: dir });
    expect(help.stdout).toContain('migrator run orchestrate-import --env staging -- iclinic drleandro 320623');
    const refused = await run(bin, ['whoami'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, MIGRATOR_URL: 'http://migrator.invalid', MIGRATOR_TOKEN: 't' } }).catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('(INSECURE_TRANSPORT)') });
  });
});
