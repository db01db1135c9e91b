import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Locator, Page } from 'playwright-core';

import { withEvidence } from '../support/browser';
import { consoleWorld, eventually, signedInPage } from '../support/consoleWorld';

/** The server's message at a field: the text of what the control's aria-describedby names, and that it is marked invalid. */
async function fieldError(page: Page, control: Locator): Promise<string> {
  await page.waitForFunction((el) => el?.getAttribute('aria-invalid') === 'true', await control.elementHandle());
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ');
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ');
}

describe('console: schedules and notification targets', () => {
  const world = consoleWorld({ notifications: { allowPrivateAddresses: true, retry: { initialIntervalSeconds: 0.3, maximumIntervalSeconds: 1, retryForSeconds: 60 }, attemptTimeoutMs: 5000 } });

  test('when an operator creates a schedule on the page, then a bad cron is refused at its field, a good interval schedule lists its executions under its last runs, Pause shows who paused it, Edit changes its interval, Trigger adds a run and Delete removes it', async () => {
    const { h, browser } = world;
    const env = await h.createEnvironment({ name: 'staging-sched' });
    const job = await h.createJob({ name: 'tick', scriptPath: h.writeScript('tick.sh', 'echo "tick $1"\n'), interpreter: 'bash', parameters: [{ name: 'label', type: 'string' }] });
    const operator = await h.createToken('operator', 'olga-laptop', 'olga');
    const { page: p, log } = await signedInPage(browser, h.url, operator.token);

    await withEvidence('schedule-create', p, log, async () => {
      await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Schedules' }).click();
      await p.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
      await p.getByText('No schedules yet. Create one with “New schedule”.').waitFor();
      await p.getByRole('button', { name: 'New schedule' }).click();
      const form = p.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Name', { exact: true }).fill('every-two-seconds');
      await form.getByLabel('Job', { exact: true }).selectOption({ label: job.name });
      await form.getByLabel('Environment', { exact: true }).selectOption({ label: env.name });
      await form.getByLabel('label').fill('from-the-console');

      await form.getByRole('radio', { name: 'By a cron expression' }).check();
      const cron = form.getByRole('textbox', { name: 'Cron expression' });
      await cron.fill('61 * * * *');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      expect(await fieldError(p, cron)).toMatch(/cron|minute|61/i);
      expect(await p.getByRole('link', { name: 'every-two-seconds' }).count()).toBe(0);

      await form.getByRole('radio', { name: 'At an interval' }).check();
      await form.getByRole('spinbutton', { name: 'Every (seconds)' }).fill('2');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule every-two-seconds created.' }).waitFor();
      const row = p.getByRole('row').filter({ has: p.getByRole('link', { name: 'every-two-seconds' }) });
      await row.getByText('every 2 s').waitFor();
      await row.getByText('active').waitFor();

      await row.getByRole('link', { name: 'every-two-seconds' }).click();
      await p.getByRole('heading', { level: 1, name: 'Schedule every-two-seconds' }).waitFor();
      await p.getByRole('list', { name: 'Next run times' }).getByRole('listitem').first().waitFor();
      const runs = p.getByRole('table', { name: 'Last runs' });
      await runs.getByRole('link', { name: /^Execution / }).first().waitFor({ timeout: 30_000 });

      await p.getByRole('button', { name: 'Pause every-two-seconds' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule every-two-seconds paused.' }).waitFor();
      await p.getByText('paused by olga').waitFor();
      await p.getByRole('button', { name: 'Unpause every-two-seconds' }).waitFor();

      await p.getByRole('link', { name: 'All schedules' }).click();
      await row.getByRole('button', { name: 'Edit every-two-seconds' }).click();
      const edit = p.getByRole('form', { name: 'Edit schedule every-two-seconds' });
      expect(await edit.getByLabel('label').inputValue()).toBe('from-the-console');
      await edit.getByRole('spinbutton', { name: 'Every (seconds)' }).fill('3600');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule every-two-seconds saved.' }).waitFor();
      await row.getByText('every 3600 s').waitFor();
      await row.getByText('paused by olga').waitFor();

      await row.getByRole('link', { name: 'every-two-seconds' }).click();
      const href = await runs.getByRole('link', { name: /^Execution / }).first().getAttribute('href');
      expect(href).toMatch(/^\/executions\/[0-9a-f-]{36}$/);
      // A row not there before: more rows, or, once the list holds its last 20 (a slow machine can
      // fill it at one run per 2 s before the pause), a row unlike any before. A run of its own, or
      // skipped by the overlap policy while the last one still goes; listed within 30 s on a loaded
      // machine, as the first run was. (Triggered in the second of the last run, it once found that
      // run's record and listed nothing: test/schedules.test.ts.)
      const runRows = () => runs.getByRole('row').allInnerTexts();
      const rowsBefore = await runRows();
      await p.getByRole('button', { name: 'Trigger every-two-seconds' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule every-two-seconds triggered' }).waitFor();
      await eventually(
        async () => {
          const rows = await runRows();
          return rows.length > rowsBefore.length || rows.some((row) => !rowsBefore.includes(row));
        },
        'the triggered run is listed',
        30_000,
      );
      // Each run links its own execution, told apart by name too (run ids of one minute share their first digits).
      const executionNames = await runs.getByRole('link', { name: /^Execution / }).allInnerTexts();
      expect(new Set(executionNames).size).toBe(executionNames.length);

      await p.goto(`${h.url}${href}`);
      await p.getByRole('heading', { level: 1, name: `${job.name} on ${env.name}` }).waitFor();

      await p.goto(`${h.url}/schedules`);
      await row.getByRole('button', { name: 'Delete every-two-seconds' }).click();
      await row.getByRole('button', { name: 'Delete now: every-two-seconds' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule every-two-seconds deleted.' }).waitFor();
      await p.getByText('No schedules yet. Create one with “New schedule”.').waitFor();
    });
  });

  test('when an operator creates a production schedule, then it waits for approval, its author is refused with the server\'s reason, and a second operator approves it', async () => {
    const { h, browser } = world;
    const prod = await h.createEnvironment({ name: 'prod-sched', production: true });
    const job = await h.createJob({ name: 'nightly', scriptPath: h.writeScript('nightly.sh', 'echo nightly\n'), interpreter: 'bash', parameters: [] });
    const [author, second] = await Promise.all([h.createToken('operator', 'pia-laptop', 'pia'), h.createToken('operator', 'ben-laptop', 'ben')]);
    const { page: p, log } = await signedInPage(browser, h.url, author.token);

    await withEvidence('schedule-production', p, log, async () => {
      await p.goto(`${h.url}/schedules`);
      await p.getByRole('button', { name: 'New schedule' }).click();
      const form = p.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Name', { exact: true }).fill('nightly-prod');
      await form.getByLabel('Job', { exact: true }).selectOption({ label: job.name });
      await form.getByLabel('Environment', { exact: true }).selectOption({ label: `${prod.name} (production)` });
      await form.getByText('This job takes no parameters.').waitFor();
      await form.getByRole('radio', { name: 'By a cron expression' }).check();
      await form.getByRole('textbox', { name: 'Cron expression' }).fill('30 2 * * *');
      const confirm = form.getByRole('textbox', { name: `Type the environment’s name (${prod.name}) to confirm` });
      await confirm.fill('prod');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      // The server names no field for this refusal: its detail is shown as is, at the form.
      await form.getByRole('alert').filter({ hasText: `confirmProduction set to "${prod.name}"` }).waitFor();
      expect(await p.getByRole('link', { name: 'nightly-prod' }).count()).toBe(0);
      await confirm.fill(prod.name);
      await form.getByRole('button', { name: 'Create schedule' }).click();
      await p.getByRole('status').filter({ hasText: 'Schedule nightly-prod created: it waits for a second operator’s approval.' }).waitFor();
      const row = p.getByRole('row').filter({ has: p.getByRole('link', { name: 'nightly-prod' }) });
      await row.getByText('awaiting approval by a second operator').waitFor();
      await row.getByText('production', { exact: true }).waitFor();

      await row.getByRole('button', { name: 'Approve nightly-prod' }).click();
      await row.getByRole('alert').filter({ hasText: 'another operator must approve it' }).waitFor();
    });

    const { page: q, log: qLog } = await signedInPage(browser, h.url, second.token);
    await withEvidence('schedule-approval', q, qLog, async () => {
      await q.goto(`${h.url}/schedules`);
      await q.getByRole('link', { name: 'nightly-prod' }).click();
      await q.getByRole('heading', { level: 1, name: 'Schedule nightly-prod' }).waitFor();
      await q.getByRole('button', { name: 'Approve nightly-prod' }).click();
      await q.getByRole('status').filter({ hasText: 'Schedule nightly-prod approved' }).waitFor();
      await q.getByText('active (approved by ben)').waitFor();
      await q.getByText('version 1 approved by ben', { exact: false }).waitFor();
      expect(await q.getByRole('button', { name: 'Approve nightly-prod' }).count()).toBe(0);
    });
  });

  test('when a viewer opens Schedules and a schedule, then there is no write control, and Notifications tells them it is for admins', async () => {
    const { h, browser } = world;
    const env = await h.createEnvironment({ name: 'staging-viewer' });
    const job = await h.createJob({ name: 'hourly', scriptPath: h.writeScript('hourly.sh', 'echo hourly\n'), interpreter: 'bash', parameters: [] });
    const created = await h.request('POST', '/api/v1/schedules', { name: 'hourly-import', jobId: job.id, environmentId: env.id, intervalSeconds: 3600 });
    expect(created.status).toBe(201);
    const scheduled = created.body as { id: string; name: string };
    const viewer = await h.createToken('viewer', 'vera-laptop', 'vera');
    const { page: p, log } = await signedInPage(browser, h.url, viewer.token);

    await withEvidence('schedule-viewer', p, log, async () => {
      expect(await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Notifications' }).count()).toBe(0);
      await p.goto(`${h.url}/schedules`);
      await p.getByRole('link', { name: scheduled.name }).waitFor();
      expect(await p.getByRole('button').allInnerTexts()).toEqual(['Sign out']);
      await p.getByRole('link', { name: scheduled.name }).click();
      await p.getByRole('heading', { level: 1, name: `Schedule ${scheduled.name}` }).waitFor();
      expect(await p.getByRole('button').allInnerTexts()).toEqual(['Sign out']);
      await p.goto(`${h.url}/notifications`);
      await p.getByText('Only admins see this page.').waitFor();
    });
  });

  test('when an admin creates a notification target, then its secret is shown once, a test event sent from the page is listed as delivered, Rotate secret shows a new one once, and Delete removes it', async () => {
    const { h, browser } = world;
    const received: { headers: Record<string, unknown>; body: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const { page: p, log } = await signedInPage(browser, h.url, h.adminToken);

    try {
      await withEvidence('notification-target', p, log, async () => {
        await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Notifications' }).click();
        await p.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
        await p.getByRole('button', { name: 'New notification target' }).click();
        const form = p.getByRole('form', { name: 'New notification target' });
        await form.getByLabel('Name', { exact: true }).fill('ops-hook');
        await form.getByLabel('URL', { exact: true }).fill(receiverUrl);
        await form.getByRole('group', { name: 'Events' }).getByLabel('An execution succeeded').check();
        await form.getByRole('button', { name: 'Create notification target' }).click();

        const secret = p.getByRole('region', { name: 'Notification target ops-hook created' }).getByRole('textbox', { name: 'Secret of ops-hook' });
        expect(await secret.inputValue()).toMatch(/\S{16,}/);
        const row = p.getByRole('row').filter({ has: p.getByRole('rowheader', { name: 'ops-hook' }) });
        expect(await row.innerText()).not.toContain('/hook');
        await row.getByText('execution.succeeded').waitFor();

        await row.getByRole('button', { name: 'Send test ops-hook' }).click();
        await p.getByRole('status').filter({ hasText: 'Test event sent to ops-hook' }).waitFor();
        const deliveries = p.getByRole('table', { name: 'Deliveries to ops-hook' });
        const delivery = deliveries.getByRole('row').filter({ has: p.getByRole('rowheader', { name: 'notification.test' }) });
        await delivery.getByRole('cell', { name: 'delivered' }).waitFor({ timeout: 30_000 });
        await delivery.getByRole('cell', { name: '200' }).waitFor();
        expect(received).toHaveLength(1);
        expect(received[0]!.headers['migrator-delivery']).toBeTruthy();

        const first = await secret.inputValue();
        await row.getByRole('button', { name: 'Rotate secret ops-hook' }).click();
        const rotated = p.getByRole('region', { name: 'Notification target ops-hook has a new secret' }).getByRole('textbox', { name: 'Secret of ops-hook' });
        await rotated.waitFor();
        expect(await rotated.inputValue()).not.toBe(first);

        // A new page load knows the secret no more.
        await p.reload();
        await p.getByRole('rowheader', { name: 'ops-hook' }).waitFor();
        expect(await p.getByRole('textbox', { name: 'Secret of ops-hook' }).count()).toBe(0);

        await p.getByRole('button', { name: 'Delete ops-hook' }).click();
        await p.getByRole('button', { name: 'Delete now: ops-hook and its deliveries' }).click();
        await p.getByRole('status').filter({ hasText: 'Notification target ops-hook deleted.' }).waitFor();
        await p.getByText('No notification targets yet.').waitFor();
      });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
