import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

import { startHarness, type Harness } from '../support/harness';
import { runCli } from './support/cli';

describe('migrator apply, diff and export: the catalog as code (the real API)', () => {
  let h: Harness;
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, text: string): string => {
    const full = path.join(dir, name);
    writeFileSync(full, text);
    return full;
  };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-cli-apply-'));
    env = { XDG_CONFIG_HOME: dir, MIGRATOR_URL: h.url, MIGRATOR_TOKEN: h.adminToken };
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const catalog = (timeout: number, withSecondJob: boolean): string => {
    const ssh = h.services.ssh;
    return [
      'sources:',
      '  - name: iclinic',
      '    system: iclinic',
      'environments:',
      '  - name: staging',
      `    host: ${ssh.host}`,
      `    port: ${ssh.port}`,
      `    username: ${ssh.username}`,
      `    privateKeyPath: ${ssh.privateKeyPath}`,
      '    maxConcurrency: 2',
      'jobs:',
      '  - name: orchestrate-import',
      '    source: iclinic',
      '    scriptPath: /opt/migrations/orchestrate-import.js',
      '    interpreter: node',
      `    timeoutSeconds: ${timeout}`,
      '    parameters:',
      '      - { name: source, type: string }',
      '      - { name: practitionerId, type: integer }',
      '      - { name: patientId, type: string, required: false }',
      ...(withSecondJob ? ['  - name: cleanup', '    source: iclinic', '    scriptPath: /opt/migrations/cleanup.sh', '    interpreter: bash'] : []),
      '',
    ].join('\n');
  };

  test('when a file is applied to an empty catalog, then --dry-run changes nothing, apply creates it, and a second apply is a no-op', async () => {
    const first = file('catalog.yaml', catalog(600, true));
    const dry = await runCli(['apply', '-f', first, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('+ create source iclinic\n+ create environment staging\n+ create job orchestrate-import\n+ create job cleanup\n');
    expect((await h.client.GET('/api/v1/jobs')).data!.items).toEqual([]);

    const applied = await runCli(['apply', '-f', first], { env });
    expect(applied.stderr).toBe('applied 4 changes\n');
    expect(applied.code).toBe(0);
    const jobs = (await h.client.GET('/api/v1/jobs')).data!.items;
    const source = (await h.client.GET('/api/v1/sources')).data!.items[0]!;
    expect(jobs.map((j) => [j.name, j.sourceId, j.timeoutSeconds])).toEqual(
      expect.arrayContaining([
        ['orchestrate-import', source.id, 600],
        ['cleanup', source.id, 3600],
      ]),
    );

    const again = await runCli(['apply', '-f', first], { env });
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: 'no changes: the catalog already matches the file\n' });
    const diff = await runCli(['diff', '-f', first], { env });
    expect(diff).toMatchObject({ code: 0, stdout: '' });
  });

  test('when a job changes and another leaves the file, then apply --prune updates one field and archives the other', async () => {
    const second = file('catalog2.yaml', catalog(900, false));
    const withoutPrune = await runCli(['diff', '-f', second], { env });
    expect(withoutPrune.stdout).toBe('~ update job orchestrate-import: timeoutSeconds 600 → 900\n');
    const pruned = await runCli(['apply', '-f', second, '--prune'], { env });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toBe('~ update job orchestrate-import: timeoutSeconds 600 → 900\n- archive job cleanup\n');
    const all = (await h.client.GET('/api/v1/jobs', { params: { query: { includeArchived: 'true' } } })).data!.items;
    expect(all.find((j) => j.name === 'cleanup')!.archivedAt).not.toBeNull();
    expect(all.find((j) => j.name === 'orchestrate-import')!.timeoutSeconds).toBe(900);
    expect((await runCli(['apply', '-f', second, '--prune'], { env })).stdout).toBe('');
  });

  test('when the catalog is exported, then it parses, applies as a no-op, and never clears a host key pinned after the export', async () => {
    const exported = await runCli(['export'], { env });
    expect(exported.code).toBe(0);
    const parsed = parse(exported.stdout) as { environments: Record<string, unknown>[]; jobs: Record<string, unknown>[] };
    expect(parsed.environments[0]).not.toHaveProperty('id');
    expect(parsed.environments[0]).not.toHaveProperty('hostKeyFingerprint');
    expect(parsed.jobs.map((j) => j.name)).toEqual(['orchestrate-import']);
    const exportFile = file('exported.yaml', exported.stdout);
    expect((await runCli(['apply', '-f', exportFile], { env })).stderr).toBe('no changes: the catalog already matches the file\n');

    const staging = (await h.client.GET('/api/v1/environments')).data!.items.find((e) => e.name === 'staging')!;
    await h.client.PATCH('/api/v1/environments/{id}', { params: { path: { id: staging.id } }, body: { hostKeyFingerprint: h.services.ssh.hostKeyFingerprint } });
    expect((await runCli(['apply', '-f', exportFile], { env })).stdout).toBe('');
    const after = await h.client.GET('/api/v1/environments/{id}', { params: { path: { id: staging.id } } });
    expect(after.data!.hostKeyFingerprint).toBe(h.services.ssh.hostKeyFingerprint);
  });

  test('when the file has unknown keys, bad values, a repeated name or broken YAML, then it is refused whole with each line, and nothing changes', async () => {
    const bad = file(
      'bad.yaml',
      [
        'sources:',
        '  - name: newsource',
        '    system: other',
        'jobs:',
        '  - name: j1',
        '    source: newsource',
        '    scriptpath: /x.js',
        '    interpreter: perl',
        '    timeoutSeconds: soon',
        '  - name: j1',
        '    source: newsource',
        '    scriptPath: /y.js',
        '    interpreter: node',
        '',
      ].join('\n'),
    );
    const result = await runCli(['apply', '-f', bad], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${bad}:7: unknown key "scriptpath" in job`);
    expect(result.stderr).toContain(`${bad}:8: job interpreter must be one of node, bash, python3, exec`);
    expect(result.stderr).toContain(`${bad}:9: job timeoutSeconds must be a whole number`);
    expect(result.stderr).toContain(`${bad}:5: job needs scriptPath`);
    expect(result.stderr).toContain(`${bad}:10: job j1 is already defined on line 5`);
    expect(result.stderr).toMatch(/nothing was changed:/);
    expect(result.stderr).toMatch(/\(VALIDATION_FAILED\)\n$/);
    expect((await h.client.GET('/api/v1/sources')).data!.items.map((s) => s.name)).toEqual(['iclinic']);

    const broken = await runCli(['apply', '-f', file('broken.yaml', 'sources:\n  - name: a\n    name: b\n')], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml:3: /);
    expect((await runCli(['apply', '-f', path.join(dir, 'missing.yaml')], { env })).code).toBe(2);
  });

  test('when the API refuses a change midway, then apply stops there and says what it applied and what it did not', async () => {
    const midway = file(
      'midway.yaml',
      ['sources:', '  - name: second-source', '    system: other', 'jobs:', '  - name: relative', '    source: second-source', '    scriptPath: relative/path.js', '    interpreter: node', ''].join(
        '\n',
      ),
    );
    const result = await runCli(['apply', '-f', midway], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('applied 1 of 2 changes before the API refused one:\n  applied:     + create source second-source\n  not applied: + create job relative  <- refused\n');
    expect(result.stderr).toMatch(/scriptPath: .*\(VALIDATION_FAILED\)\n$/);
    expect((await h.client.GET('/api/v1/sources')).data!.items.map((s) => s.name).sort()).toEqual(['iclinic', 'second-source']);
  });
});
