import { readFileSync } from 'node:fs';
import path from 'node:path';

import { withEvidence } from '../support/browser';
import { consoleWorld, eventually, signedInPage } from '../support/consoleWorld';
import { processAlive } from '../support/hostProcesses';

describe('console: cancelling and approving from the Execution page', () => {
  const world = consoleWorld();

  test('when an operator cancels a running execution from its page, after a confirmation naming the environment, then it shows cancelled and its processes are gone from the host', async () => {
    const { h, browser } = world;
    const env = await h.createEnvironment();
    const pidFile = path.join(h.scriptsDir, 'cancel-pids');
    const script = h.writeScript('long.sh', [`(trap '' TERM; exec sleep 600) & child=$!`, `echo "$$ $child" > ${pidFile}`, 'echo started', 'sleep 600'].join('\n'));
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', timeoutSeconds: 900 });
    const operator = await h.createToken('operator', 'carla-laptop', 'carla');
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} }, { token: operator.token });
    expect(started.status).toBe(202);
    const { page: p, log } = await signedInPage(browser, h.url, operator.token);

    await withEvidence('cancel-from-page', p, log, async () => {
      await p.goto(`${h.url}/executions/${started.body.id}`);
      const status = p.getByRole('status', { name: 'Execution status' });
      await status.filter({ hasText: 'running' }).waitFor();
      await h.waitForExecution(started.body.id, (e) => e.progress.lines >= 1);
      const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
      expect(pids.every(processAlive)).toBe(true);

      await p.getByRole('button', { name: 'Cancel execution…' }).click();
      const dialog = p.getByRole('dialog', { name: 'Cancel this execution?' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain(env.name);
      await dialog.getByRole('button', { name: `Cancel it on ${env.name}` }).click();

      await status.filter({ hasText: 'cancelled' }).waitFor({ timeout: 20_000 });
      await p.getByText('Cancelled by', { exact: true }).waitFor();
      await p.getByRole('definition').filter({ hasText: /^carla at / }).waitFor();
      await eventually(() => pids.every((pid) => !processAlive(pid)), 'the script and its child are gone from the host');
      const cancel = p.getByRole('button', { name: 'Cancel execution…' });
      expect(await cancel.isDisabled()).toBe(true);
      await p.getByText('Cancel is not available: it already ended cancelled').waitFor();
    });
  });

  test('when an operator runs a job on production, then the header says so in red, the name must be typed, it awaits approval, its starter cannot approve, and a second operator’s approval runs it', async () => {
    const { h, browser } = world;
    const env = await h.createEnvironment({ name: `prod-${Date.now().toString(36)}`, production: true });
    const job = await h.createJob({ scriptPath: h.writeScript('prod.js', "console.log('migrated')") });
    const ana = await h.createToken('operator', 'ana-laptop', 'ana');
    const ben = await h.createToken('operator', 'ben-laptop', 'ben');
    const starter = await signedInPage(browser, h.url, ana.token);
    const p = starter.page;

    await withEvidence('production-approval', p, starter.log, async () => {
      await p.getByLabel('Current environment').selectOption({ label: `${env.name} (production)` });
      const banner = p.getByRole('status').filter({ hasText: `Production: ${env.name}` });
      await banner.waitFor();
      expect(await banner.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color)).toBe('rgb(164, 14, 38)');

      await p.getByRole('link', { name: 'Run a job', exact: true }).click();
      await p.getByLabel('Job', { exact: true }).selectOption({ label: job.name });
      await p.getByRole('button', { name: 'Ask for approval and run' }).click();
      await p.getByRole('alert').filter({ hasText: 'is a production environment' }).waitFor();
      expect(new URL(p.url()).pathname).toBe('/run');

      await p.getByLabel(`Type the environment’s name (${env.name}) to confirm`).fill(env.name);
      await p.getByRole('button', { name: 'Ask for approval and run' }).click();
      await p.waitForURL(/\/executions\/[0-9a-f-]+$/);
      const executionUrl = p.url();
      const status = p.getByRole('status', { name: 'Execution status' });
      await status.filter({ hasText: 'awaiting approval' }).waitFor();
      await p.getByText('production', { exact: true }).waitFor();
      expect(await p.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
      await p.getByText('Approve is not available: you started it; another person must approve it').waitFor();

      const second = await signedInPage(browser, h.url, ben.token);
      await withEvidence('production-approval-second', second.page, second.log, async () => {
        await second.page.goto(executionUrl);
        await second.page.getByLabel('Reason (optional for approval)').fill('checked the ticket');
        await second.page.getByRole('button', { name: 'Approve' }).click();
        await second.page.getByText('Approved by').waitFor();
      });

      await status.filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      await p.getByRole('definition').filter({ hasText: /^ben at .*checked the ticket/ }).waitFor();
      const id = executionUrl.split('/').pop()!;
      expect(await h.waitForExecution(id, (e) => e.status === 'succeeded')).toMatchObject({ startedBy: 'ana', approvedBy: 'ben' });
    });
  });
});
