import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { Harness } from '../support/harness';
import { configHome, runCli, startCliOnTerminal, waitForOutput } from './support/cli';
import { startCliWorld, type CliWorld } from './support/world';

/** On a terminal, the CLI's answer to Ctrl-C while it follows a run, and its no-echo prompt. */
describe('migrator on a terminal (a pseudo-terminal through util-linux script)', () => {
  let world: CliWorld;
  let h: Harness;
  let env: Record<string, string>;
  let environmentName: string;

  beforeAll(async () => {
    world = await startCliWorld();
    ({ h, env, environmentName } = world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  const idIn = (text: string): string => /started execution ([0-9a-f-]{36})/.exec(text)![1]!;

  test('when Ctrl-C is pressed while following and the answer is "c", then the execution is cancelled and the CLI exits 123', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('ttyForever.js', 'console.log("working"); setInterval(() => console.log("tick"), 300);') });
    const cli = startCliOnTerminal(['run', job.name, '--env', environmentName], { env });
    await waitForOutput(cli, (o) => o.stdout.includes('working'));
    cli.child.stdin!.write('\x03');
    await waitForOutput(cli, (o) => o.stdout.includes('[c]ancel it / [s]top following'));
    cli.child.stdin!.write('c\r');
    const result = await cli.done;
    expect(result.stdout).toContain('cancelling execution');
    expect(result.code).toBe(123);
    const execution = await h.client.GET('/api/v1/executions/{id}', { params: { path: { id: idIn(result.stdout) } } });
    expect(execution.data).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' });
  });

  test('when Ctrl-C is pressed while following and the answer is "s", then the CLI stops following with 130 and the execution goes on', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('ttyForever2.js', 'console.log("working"); setInterval(() => console.log("tick"), 300);') });
    const cli = startCliOnTerminal(['run', job.name, '--env', environmentName], { env });
    await waitForOutput(cli, (o) => o.stdout.includes('working'));
    cli.child.stdin!.write('\x03');
    await waitForOutput(cli, (o) => o.stdout.includes('[c]ancel it / [s]top following'));
    cli.child.stdin!.write('s\r');
    const result = await cli.done;
    expect(result.code).toBe(130);
    const id = idIn(result.stdout);
    expect((await h.client.GET('/api/v1/executions/{id}', { params: { path: { id } } })).data!.status).toBe('running');
    await h.client.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } } });
    await h.waitForExecution(id, (e) => e.status === 'cancelled');
  });

  test('when the run ends while the Ctrl-C question is unanswered, then the question is withdrawn and the CLI exits with the script\'s code', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('ttyShort.js', 'console.log("working"); setTimeout(() => process.exit(4), 2500);') });
    const cli = startCliOnTerminal(['run', job.name, '--env', environmentName], { env });
    await waitForOutput(cli, (o) => o.stdout.includes('working'));
    cli.child.stdin!.write('\x03');
    await waitForOutput(cli, (o) => o.stdout.includes('[c]ancel it / [s]top following'));
    const result = await cli.done;
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/failed: exit code 4/);
  });

  test('when the script prints ::progress marks, then a terminal shows the progress bar of the CLI instead of the marks, with the log lines around it', async () => {
    const script = h.writeScript(
      'progress.js',
      'let i = 0; const t = setInterval(() => { i += 1; console.log("row batch " + i); console.log("::progress " + i + "/4"); if (i === 4) clearInterval(t); }, 150);',
    );
    const job = await h.createJob({ scriptPath: script });
    const result = await startCliOnTerminal(['run', job.name, '--env', environmentName], { env }).done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[#+\.+\] 25% 1\/4/);
    expect(result.stdout).toMatch(/\[#+\] 100% 4\/4/);
    expect(result.stdout).not.toContain('::progress');
    for (let i = 1; i <= 4; i++) expect(result.stdout).toContain(`row batch ${i}\r\n`);
  });

  test('when output goes to a terminal, then the status is coloured, unless NO_COLOR is set; in a pipe it never is', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('quick.js', 'console.log("ok");') });
    const environmentId = (await h.client.GET('/api/v1/environments')).data!.items.find((e) => e.name === environmentName)!.id;
    const id = (await h.client.POST('/api/v1/executions', { body: { jobId: job.id, environmentId, params: {} } })).data!.id;
    await h.waitForExecution(id, (e) => e.status === 'succeeded');
    const coloured = await startCliOnTerminal(['show', id], { env: { ...env, NO_COLOR: undefined } }).done;
    expect(coloured.stdout).toContain('\u001b[32msucceeded\u001b[0m');
    const plain = await startCliOnTerminal(['show', id], { env: { ...env, NO_COLOR: '1' } }).done;
    expect(plain.stdout).toMatch(/status: +succeeded\r\n/);
    expect(plain.stdout).not.toContain('\u001b[');
    const piped = await runCli(['show', id], { env: { ...env, NO_COLOR: undefined } });
    expect(piped.stdout).toMatch(/^status: +succeeded$/m);
    expect(piped.stdout).not.toContain('\u001b[');
  });

  test('when login asks for the token on a terminal, then what is typed is not echoed and the profile is saved', async () => {
    const loginHome = configHome();
    try {
      const cli = startCliOnTerminal(['login', '--url', h.url], { env: { XDG_CONFIG_HOME: loginHome } });
      await waitForOutput(cli, (o) => o.stdout.includes('API token (input hidden): '));
      cli.child.stdin!.write(`${h.adminToken}\r`);
      const result = await cli.done;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('logged in to');
      expect(result.stdout).not.toContain(h.adminToken);
      const saved = JSON.parse(readFileSync(path.join(loginHome, 'migrator', 'config.json'), 'utf8')) as { profiles: Record<string, { token: string }> };
      expect(saved.profiles.default!.token).toBe(h.adminToken);
    } finally {
      rmSync(loginHome, { recursive: true, force: true });
    }
  });
});
