import type { Harness } from '../support/harness';
import { runCli, startCli, waitForOutput } from './support/cli';
import { startCliWorld, type CliWorld } from './support/world';

const oldOrder = [
  { name: 'source', type: 'string' },
  { name: 'user', type: 'string' },
  { name: 'practitionerId', type: 'integer' },
  { name: 'email', type: 'email' },
  { name: 'patientId', type: 'string', required: false },
];

/** Shell and quoting hazards, each one an argument that must reach the script byte for byte. */
const injectionCorpus = ["o'brien", '$(id)', '`id`', '"; rm -rf / #', 'a b  c', '\\n\\t', '*', '-rf', '--env', 'ünïcødé ✓', "'", '', 'line1\nline2', '$HOME ${PATH}'];

function startedId(stderr: string): string {
  const match = /started execution ([0-9a-f-]{36})/.exec(stderr);
  if (!match) throw new Error(`no execution id in: ${stderr}`);
  return match[1]!;
}

describe('migrator run and the commands around an execution (the real stack)', () => {
  let world: CliWorld;
  let h: Harness;
  let env: Record<string, string>;
  let environmentName: string;

  beforeAll(async () => {
    world = await startCliWorld({ operator: { name: 'olga-cli', owner: 'olga' } });
    ({ h, env, environmentName } = world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  test("when run with the old command line's positional order, then the script gets that argv, its stdout and stderr land on the CLI's, every line once in order, and it exits 0", async () => {
    const script = h.writeScript(
      'argv.js',
      [
        'console.log(JSON.stringify(process.argv.slice(2)));',
        'for (let i = 1; i <= 40; i++) (i % 4 === 0 ? console.error : console.log)("line " + i);',
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script, parameters: oldOrder });
    const result = await runCli(['run', job.name, '--env', environmentName, '--', 'iclinic', 'drleandro', '0320623', 'fabiangc@gmail.com', '44320'], { env });
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n');
    expect(JSON.parse(out[0]!)).toEqual(['iclinic', 'drleandro', '320623', 'fabiangc@gmail.com', '44320']);
    const numbers = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(out.slice(1)).toEqual([...numbers.filter((i) => i % 4 !== 0).map((i) => `line ${i}`), '']);
    const errLines = result.stderr.split('\n').filter((l) => l.startsWith('line '));
    expect(errLines).toEqual(numbers.filter((i) => i % 4 === 0).map((i) => `line ${i}`));
    expect(result.stderr).toMatch(/started execution [0-9a-f-]{36}/);
    expect(result.stderr).toMatch(/execution [0-9a-f-]{36} succeeded: exit code 0\n$/);
  });

  test('when string parameters carry shell syntax, quotes, newlines or nothing, then each reaches the script byte for byte', async () => {
    const script = h.writeScript('echoArgs.js', 'console.log(JSON.stringify(process.argv.slice(2)));');
    const job = await h.createJob({ scriptPath: script, parameters: injectionCorpus.map((_, i) => ({ name: `p${i}`, type: 'string' })) });
    const result = await runCli(['run', job.name, '--env', environmentName, '--', ...injectionCorpus], { env });
    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.split('\n')[0]!)).toEqual(injectionCorpus);
  });

  test("when the script exits 3, then the CLI exits 3 and says so on stderr", async () => {
    const script = h.writeScript('three.js', 'console.log("before"); console.error("bad row 17"); process.exit(3);');
    const job = await h.createJob({ scriptPath: script });
    const result = await runCli(['run', job.name, '--env', environmentName], { env });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('before\n');
    expect(result.stderr).toContain('bad row 17\n');
    expect(result.stderr).toMatch(/execution [0-9a-f-]{36} failed: exit code 3: .*\(SCRIPT_FAILED\)\n$/);
  });

  test('when a parameter fails the job\'s schema, or the count is wrong, then it is a usage error (2) naming the field, and nothing starts', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('never.js', 'console.log("ran")'), parameters: oldOrder });
    const invalid = await runCli(['run', job.name, '--env', environmentName, '--', 'iclinic', 'drleandro', 'abc', 'not-an-email'], { env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: .*params\.practitionerId: must be an integer, got "abc".*params\.email: .*\(VALIDATION_FAILED\)\n$/);
    const few = await runCli(['run', job.name, '--env', environmentName, '--', 'iclinic'], { env });
    expect(few.code).toBe(2);
    expect(few.stderr).toBe(
      `error: too few arguments: missing user, practitionerId, email; job ${job.name} takes <source> <user> <practitionerId> <email> [<patientId>] (USAGE)\n`,
    );
    const unknownJob = await runCli(['run', 'no-such-job', '--env', environmentName], { env });
    expect(unknownJob.code).toBe(2);
    expect(unknownJob.stderr).toContain('no job named "no-such-job"');
    const noEnv = await runCli(['run', job.name], { env });
    expect(noEnv.code).toBe(2);
    const history = await h.client.GET('/api/v1/executions', { params: { query: { jobId: job.id } } });
    expect(history.data!.items).toEqual([]);
  });

  test('when the execution is cancelled with migrator cancel while run follows it, then run exits 123 (cancelled)', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('forever.js', 'console.log("working"); setInterval(() => console.log("tick"), 200);') });
    const run = startCli(['run', job.name, '--env', environmentName], { env });
    await waitForOutput(run, (o) => o.stdout.includes('working'));
    const id = startedId(run.stderr());
    const cancel = await runCli(['cancel', id, '--json'], { env });
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id, cancelledBy: 'olga' });
    const result = await run.done;
    expect(result.code).toBe(123);
    expect(result.stderr).toMatch(/execution [0-9a-f-]{36} cancelled.*\(CANCELLED\)\n$/);
  });

  test('when Ctrl-C reaches run without a terminal, then it stops following with 130 and the execution goes on', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('forever2.js', 'console.log("working"); setInterval(() => console.log("tick"), 200);') });
    const run = startCli(['run', job.name, '--env', environmentName], { env });
    await waitForOutput(run, (o) => o.stdout.includes('working'));
    const id = startedId(run.stderr());
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`stopped following; execution ${id} goes on`);
    const still = await h.client.GET('/api/v1/executions/{id}', { params: { path: { id } } });
    expect(still.data!.status).toBe('running');
    // Following again picks the log up where asked, then the cancel ends it.
    const follow = startCli(['logs', id, '-f'], { env });
    await waitForOutput(follow, (o) => o.stdout.includes('tick'));
    await h.client.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } } });
    expect((await follow.done).code).toBe(123);
  });

  test('when the environment is production, then run without --confirm changes nothing and prints what to type; with it, a second operator approves and it runs', async () => {
    const prod = await h.createEnvironment({ production: true });
    const job = await h.createJob({ scriptPath: h.writeScript('prod.js', 'console.log("done on prod " + process.argv[2]);'), parameters: [{ name: 'clinic', type: 'string' }] });
    const refused = await runCli(['run', job.name, '--env', prod.name, '--', 'c1'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: ${prod.name} is a production environment; nothing was started. To start it, run: migrator run ${job.name} --env ${prod.name} --confirm ${prod.name} -- c1 (PRODUCTION_CONFIRMATION_REQUIRED)\n`,
    );
    expect((await h.client.GET('/api/v1/executions', { params: { query: { environmentId: prod.id } } })).data!.items).toEqual([]);

    const run = startCli(['run', job.name, '--env', prod.name, '--confirm', prod.name, '--', 'c1'], { env });
    await waitForOutput(run, (o) => o.stderr.includes('awaiting approval'));
    const id = startedId(run.stderr());
    expect(run.stderr()).toContain(`migrator approve ${id}`);
    const selfApprove = await runCli(['approve', id], { env });
    expect(selfApprove.code).toBe(119);
    expect(selfApprove.stderr).toContain('(FORBIDDEN)');
    const second = await h.createToken('operator', 'paul-cli', 'paul');
    const approve = await runCli(['approve', id, '--reason', 'checked'], { env: { ...env, MIGRATOR_TOKEN: second.token } });
    expect(approve.code).toBe(0);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('done on prod c1\n');

    const rerun = await runCli(['rerun', id], { env });
    expect(rerun).toMatchObject({ code: 2, stderr: `error: ${prod.name} is a production environment; nothing was started. To start it, run: migrator rerun ${id} --confirm ${prod.name} (PRODUCTION_CONFIRMATION_REQUIRED)\n` });
    const again = await runCli(['rerun', id, '--confirm', prod.name, '--detach', '--json'], { env });
    expect(again.code).toBe(0);
    const started = JSON.parse(again.stdout) as { id: string; status: string };
    expect(started.status).toBe('awaiting_approval');
    await runCli(['reject', started.id, '--reason', 'only testing'], { env: { ...env, MIGRATOR_TOKEN: second.token } });
  });

  test('when a production execution is rejected, then the following run exits 121 (rejected)', async () => {
    const prod = await h.createEnvironment({ production: true });
    const job = await h.createJob({ scriptPath: h.writeScript('never2.js', 'console.log("ran");') });
    const run = startCli(['run', job.name, '--env', prod.name, '--confirm', prod.name], { env });
    await waitForOutput(run, (o) => o.stderr.includes('awaiting approval'));
    const id = startedId(run.stderr());
    const second = await h.createToken('operator', 'rita-cli', 'rita');
    const noReason = await runCli(['reject', id], { env: { ...env, MIGRATOR_TOKEN: second.token } });
    expect(noReason.code).toBe(2);
    const reject = await runCli(['reject', id, '--reason', 'wrong clinic'], { env: { ...env, MIGRATOR_TOKEN: second.token } });
    expect(reject.code).toBe(0);
    expect(reject.stdout).toBe(`execution ${id}: rejected\n`);
    const result = await run.done;
    expect(result.code).toBe(121);
    expect(result.stdout).toBe('');
  });

  test('when the catalog is read by name or id, then envs, jobs and sources show what the API has, and env check reports the pinned host key', async () => {
    const job = await h.createJob({ scriptPath: '/opt/x.js', parameters: oldOrder });
    const byName = await runCli(['jobs', 'show', job.name, '--json'], { env });
    expect(JSON.parse(byName.stdout)).toEqual(JSON.parse(JSON.stringify(job)));
    const byId = await runCli(['job', 'show', job.id], { env });
    expect(byId.stdout).toMatch(/^usage: +migrator run \S+ --env ENV -- <source> <user> <practitionerId> <email> \[<patientId>\]$/m);
    const jobs = await runCli(['jobs', 'list'], { env });
    expect(jobs.stdout).toMatch(new RegExp(`^${job.name}\\s+<source> <user>`, 'm'));
    const envs = JSON.parse((await runCli(['envs', 'list', '--json'], { env })).stdout) as { items: { name: string }[] };
    expect(envs.items.map((e) => e.name)).toContain(environmentName);
    const source = await runCli(['sources', 'show', job.sourceId, '--json'], { env });
    expect(JSON.parse(source.stdout)).toMatchObject({ id: job.sourceId, system: 'iclinic' });
    const check = await runCli(['env', 'check', environmentName, '--json'], { env: { ...env, MIGRATOR_TOKEN: h.adminToken } });
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ hostKeyFingerprint: h.services.ssh.hostKeyFingerprint, pinnedBefore: true });
    const unknown = await runCli(['envs', 'show', 'nowhere'], { env });
    expect(unknown).toMatchObject({ code: 2, stderr: 'error: no environment named "nowhere"; `migrator envs list` lists them (NOT_FOUND)\n' });
  });

  test('when --detach, then the id comes back at once; show, ls and logs with --json parse and match the API', async () => {
    const job = await h.createJob({ scriptPath: h.writeScript('json.js', 'console.log("out 1"); console.error("err 2"); console.log("out 3");'), parameters: [{ name: 'n', type: 'integer' }] });
    const detached = await runCli(['run', job.name, '--env', environmentName, '--detach', '--', '7'], { env });
    expect(detached.code).toBe(0);
    const id = detached.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await h.waitForExecution(id, (e) => e.status === 'succeeded');

    const show = await runCli(['show', id, '--json'], { env });
    const api = await h.client.GET('/api/v1/executions/{id}', { params: { path: { id } } });
    expect(JSON.parse(show.stdout)).toEqual(JSON.parse(JSON.stringify(api.data)));
    expect(JSON.parse(show.stdout)).toMatchObject({ params: { n: 7 }, status: 'succeeded', exitCode: 0, startedBy: 'olga' });

    const ls = await runCli(['ls', '--job', job.name, '--json'], { env });
    const apiList = await h.client.GET('/api/v1/executions', { params: { query: { job: job.name, limit: 20 } } });
    expect(JSON.parse(ls.stdout)).toEqual(JSON.parse(JSON.stringify(apiList.data)));

    const logs = await runCli(['logs', id, '--json'], { env });
    const apiLogs = await h.client.GET('/api/v1/executions/{id}/logs', { params: { path: { id } } });
    expect(logs.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(apiLogs.data!.lines);
    // stdout and stderr are read apart on the host: their relative order is the stored seq.
    const [first, ...rest] = apiLogs.data!.lines;
    const after = await runCli(['logs', id, '--after', String(first!.seq)], { env });
    const text = (stream: string): string => rest.filter((l) => l.stream === stream).map((l) => `${l.text}\n`).join('');
    expect(rest).toHaveLength(2);
    expect(after.stdout).toBe(text('stdout'));
    expect(after.stderr).toBe(text('stderr'));

    const table = await runCli(['ls', '--job', job.name], { env });
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+EXIT\s+JOB/);
    expect(table.stdout).toContain(`${id}  succeeded`);
    const human = await runCli(['show', id], { env });
    expect(human.stdout).toMatch(/^status:\s+succeeded$/m);

    const rerun = await runCli(['rerun', id], { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toBe('out 1\nout 3\n');
    expect(startedId(rerun.stderr)).not.toBe(id);

    const missing = await runCli(['show', '00000000-0000-4000-8000-000000000000'], { env });
    expect(missing.code).toBe(119);
    expect(missing.stderr).toMatch(/\(NOT_FOUND\)\n$/);
  });
});
