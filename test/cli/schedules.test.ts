import { randomUUID } from 'node:crypto';

import type { Harness } from '../support/harness';
import { runCli } from './support/cli';
import { startCliWorld, type CliWorld } from './support/world';

describe('migrator schedules and notifications (the real stack)', () => {
  let world: CliWorld;
  let h: Harness;
  let env: Record<string, string>;
  let environmentName: string;
  let jobName: string;

  beforeAll(async () => {
    world = await startCliWorld({ operator: { name: 'olga-cli', owner: 'olga' }, notifications: { allowPrivateAddresses: true } });
    ({ h, env, environmentName } = world);
    const script = h.writeScript('tick.sh', 'echo "tick $1"\nsleep "$2"\n');
    const parameters = [
      { name: 'label', type: 'string', required: true },
      { name: 'seconds', type: 'integer', required: true },
    ];
    jobName = (await h.createJob({ scriptPath: script, interpreter: 'bash', parameters })).name;
  });
  afterAll(async () => {
    await world?.stop();
  });

  const scheduleName = () => `nightly-${randomUUID().slice(0, 8)}`;
  const apiSchedules = async () => (await h.request('GET', '/api/v1/schedules')).body.items as { id: string; name: string; state: string }[];

  test('when a schedule is created by names, then list --json matches the API; pause, trigger, unpause and delete act on it by name', async () => {
    const name = scheduleName();
    const created = await runCli(['schedules', 'create', '--name', name, '--job', jobName, '--env', environmentName, '--every', '3600', '--note', 'hourly', '--', 'tick', '0'], { env });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^schedule ${name} created \\([0-9a-f-]{36}\\): active\\n$`));

    const listed = await runCli(['schedules', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout) as { items: { id: string; name: string; params: unknown; intervalSeconds: number }[] };
    expect(page).toEqual({ items: await apiSchedules() });
    const mine = page.items.find((s) => s.name === name)!;
    expect(mine).toMatchObject({ params: { label: 'tick', seconds: 0 }, intervalSeconds: 3600 });

    const table = await runCli(['schedules', 'list'], { env });
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+STATE\s+JOB\s+ENVIRONMENT\s+WHEN\s+VERSION\s+ID$/);
    expect(table.stdout).toContain(`${name}`);
    expect(table.stdout).toMatch(new RegExp(`${name}\\s+active\\s+${jobName}\\s+${environmentName}\\s+every 3600 s\\s+1\\s+${mine.id}`));

    const paused = await runCli(['schedules', 'pause', name, '--reason', 'host maintenance'], { env });
    expect(paused).toMatchObject({ code: 0, stdout: `schedule ${name}: paused\n` });
    expect((await h.request('GET', `/api/v1/schedules/${mine.id}`)).body).toMatchObject({ paused: true, pausedBy: 'olga', pauseReason: 'host maintenance' });

    // By id, as every command takes names or ids; one trigger only, as a second would collide with the first run.
    expect(await runCli(['schedules', 'trigger', mine.id], { env })).toMatchObject({ code: 0, stdout: `schedule ${name}: triggered (paused)\n` });
    const deadline = Date.now() + 20_000;
    let shown: { runs: { outcome: string; executionId: string | null }[] } = { runs: [] };
    while (shown.runs.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const show = await runCli(['schedules', 'show', name, '--json'], { env });
      expect(show.code).toBe(0);
      shown = JSON.parse(show.stdout);
    }
    expect(shown.runs[0]).toMatchObject({ outcome: 'started' });
    const human = await runCli(['schedules', 'show', name], { env });
    expect(human.stdout).toContain(`name:        ${name}`);
    expect(human.stdout).toContain('paused by:   olga (host maintenance)');
    expect(human.stdout).toContain(shown.runs[0]!.executionId!);

    const unpaused = await runCli(['schedules', 'unpause', name], { env });
    expect(unpaused).toMatchObject({ code: 0, stdout: `schedule ${name}: active\n` });

    const deleted = await runCli(['schedules', 'delete', name], { env });
    expect(deleted).toMatchObject({ code: 0, stdout: `schedule ${name} deleted\n` });
    expect((await apiSchedules()).map((s) => s.id)).not.toContain(mine.id);
    const gone = await runCli(['schedules', 'show', name], { env });
    expect(gone).toMatchObject({ code: 2, stdout: '', stderr: `error: no schedule named "${name}"; \`migrator schedules list\` lists them (NOT_FOUND)\n` });
  });

  test('when a production schedule is created, then --confirm is asked for, its author cannot approve it (exit 119) and a second operator can', async () => {
    const prod = await h.createEnvironment({ production: true });
    const name = scheduleName();
    const args = ['schedules', 'create', '--name', name, '--job', jobName, '--env', prod.name, '--cron', '0 3 * * *', '--tz', 'Europe/Berlin', '--param', 'label=prod', '--param', 'seconds=0'];
    const unconfirmed = await runCli(args, { env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`${prod.name} is a production environment; nothing was created. To create the schedule, run: migrator schedules create --name ${name}`);
    expect(unconfirmed.stderr).toContain(`--confirm ${prod.name}`);
    expect((await apiSchedules()).map((s) => s.name)).not.toContain(name);

    const created = await runCli([...args, '--confirm', prod.name], { env });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(': awaiting_approval');
    expect(created.stderr).toBe(`it runs on production: another operator approves it with \`migrator schedules approve ${name}\`\n`);

    const byAuthor = await runCli(['schedules', 'approve', name], { env });
    expect(byAuthor.code).toBe(119);
    expect(byAuthor.stdout).toBe('');
    expect(byAuthor.stderr).toBe(`error: You wrote version 1 of schedule "${name}"; another operator must approve it. (FORBIDDEN)\n`);

    const bob = await h.createToken('operator', 'bob-cli', 'bob');
    const approved = await runCli(['schedules', 'approve', name], { env: { ...env, MIGRATOR_TOKEN: bob.token } });
    expect(approved).toMatchObject({ code: 0, stdout: `schedule ${name}: version 1 approved by bob (active)\n` });
    const shown = JSON.parse((await runCli(['schedules', 'show', name, '--json'], { env })).stdout);
    expect(shown).toMatchObject({ name, state: 'active', approvedVersion: 1, approvedBy: 'bob' });
  });

  test('when an admin lists notification targets, then --json matches the API, test sends an event that deliveries shows; an operator is refused', async () => {
    const admin = { ...env, MIGRATOR_TOKEN: h.adminToken };
    const targetName = `ops-${randomUUID().slice(0, 8)}`;
    const res = await h.request('POST', '/api/v1/notifications', { name: targetName, url: 'http://127.0.0.1:9/hook', events: ['schedule.run_skipped'] });
    expect(res.status).toBe(201);

    const listed = await runCli(['notifications', 'list', '--json'], { env: admin });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual((await h.request('GET', '/api/v1/notifications')).body);
    const shown = await runCli(['notifications', 'show', targetName], { env: admin });
    expect(shown.stdout).toContain('url:             http://127.0.0.1:9/…');
    expect(shown.stdout).toContain('events:          schedule.run_skipped');

    const sent = await runCli(['notifications', 'test', targetName, '--json'], { env: admin });
    expect(sent.code).toBe(0);
    const { deliveryId } = JSON.parse(sent.stdout) as { deliveryId: string };
    const deliveries = await runCli(['notifications', 'deliveries', targetName, '--json'], { env: admin });
    expect(JSON.parse(deliveries.stdout).items).toEqual([expect.objectContaining({ id: deliveryId, event: 'notification.test', targetId: res.body.id })]);

    const refused = await runCli(['notifications', 'list'], { env });
    expect(refused.code).toBe(119);
    expect(refused.stderr).toMatch(/\(FORBIDDEN\)\n$/);
  });
});
