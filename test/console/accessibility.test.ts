import type { Page } from 'playwright-core';

import { seriousAxeViolations } from '../support/axe';
import { launchBrowser, recordConsole, withEvidence, type TestBrowser } from '../support/browser';
import { signInThroughPage } from '../support/consoleSignIn';
import { isFinished, startHarness, type Harness } from '../support/harness';

/**
 * Issue 13, test 9: axe-core on every page of the console, in the states a person meets them
 * (forms open, a check's report, a new token's secret), finds no serious or critical violation.
 */
/** The console's CSP forbids inline scripts; only the test's context lets axe-core in (signIn.test.ts checks the CSP itself). */
const axeContext = { bypassCSP: true };

describe('console: accessibility of every page', () => {
  let h: Harness;
  let browser: TestBrowser;
  let page: Page;
  let log: string[];
  let executionId: string;
  let jobId: string;

  beforeAll(async () => {
    // Private addresses allowed, so a notification target can point at loopback (nothing is sent to it here).
    h = await startHarness({ notifications: { allowPrivateAddresses: true } });
    browser = await launchBrowser();
    const env = await h.createEnvironment({ name: 'staging' });
    const script = h.writeScript('hello.js', 'console.log("hello"); console.error("a warning");\n');
    const job = await h.createJob({
      name: 'import-patients',
      scriptPath: script,
      parameters: [
        { name: 'target', type: 'enum', values: ['clinics', 'patients'] },
        { name: 'batch_size', type: 'integer', min: 1 },
        { name: 'note', type: 'string', required: false },
      ],
    });
    jobId = job.id;
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: { target: 'clinics', batch_size: 10 } });
    expect(started.status).toBe(202);
    executionId = started.body.id;
    expect(await h.waitForExecution(executionId, isFinished)).toMatchObject({ status: 'succeeded' });
    page = await (await browser.newContext(axeContext)).newPage();
    log = recordConsole(page);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function expectNoSeriousViolations(name: string, arrange: () => Promise<void>): Promise<void> {
    await withEvidence(`axe-${name}`, page, log, async () => {
      await arrange();
      expect(await seriousAxeViolations(page)).toEqual([]);
    });
  }

  const expectNoViolationsNow = async () => expect(await seriousAxeViolations(page)).toEqual([]);

  const open = async (path: string, heading: string) => {
    await page.goto(`${h.url}${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  test('when nobody is signed in, then the sign-in page, with its error shown, has no serious violation', async () => {
    await expectNoSeriousViolations('sign-in', async () => {
      await page.goto(`${h.url}/sign-in`);
      await page.getByLabel('API token').fill('mig_wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    });
  });

  test('when an admin is signed in, then Executions, an Execution and the Run form have no serious violation', async () => {
    await signInThroughPage(page, h.url, h.adminToken);
    await expectNoSeriousViolations('executions', () => open('/', 'Executions'));
    await expectNoSeriousViolations('execution', async () => {
      await page.goto(`${h.url}/executions/${executionId}`);
      await page.getByRole('heading', { level: 1, name: 'import-patients on staging' }).waitFor();
    });
    await expectNoSeriousViolations('run', async () => {
      await open(`/run?jobId=${jobId}`, 'Run a job');
      // A value the form refuses, so its field error is checked too.
      await page.getByLabel('batch_size', { exact: false }).first().fill('0');
      await page.getByRole('alert').or(page.getByText(/must be|minimum|at least/i)).first().waitFor();
    });
  });

  test('when an admin uses the catalog pages, then lists, open forms, a refusal at a field and a check report have no serious violation', async () => {
    await expectNoSeriousViolations('jobs', async () => {
      await open('/jobs', 'Jobs');
      await page.getByRole('button', { name: 'New job' }).click();
      const form = page.getByRole('form', { name: 'New job' });
      await form.getByRole('button', { name: 'Add parameter' }).click();
      await form.getByRole('group', { name: 'Parameter 1', exact: true }).getByLabel('Type').selectOption('enum');
      await form.getByRole('button', { name: 'Create job' }).click();
      await form.getByRole('alert').waitFor();
    });
    await expectNoSeriousViolations('sources', async () => {
      await open('/sources', 'Sources');
      await page.getByRole('button', { name: 'New source' }).click();
    });
    await expectNoSeriousViolations('environments', async () => {
      await open('/environments', 'Environments');
      await page.getByRole('button', { name: 'Check staging' }).click();
      await page.getByRole('region', { name: 'Check of staging' }).getByText('Host key').waitFor({ timeout: 45_000 });
      await page.getByRole('button', { name: 'Edit staging' }).click();
    });
  });

  test('when an admin opens Tokens and Audit, then a new secret and the filtered log have no serious violation', async () => {
    await expectNoSeriousViolations('tokens', async () => {
      await open('/tokens', 'Tokens');
      const form = page.getByRole('form', { name: 'New token' });
      await form.getByLabel('Token name').fill('ci-nightly');
      await form.getByLabel('Owner').fill('ci');
      await form.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('textbox', { name: 'Secret of ci-nightly' }).waitFor();
      await page.getByRole('button', { name: 'Revoke ci-nightly' }).click();
      await page.getByRole('button', { name: 'Revoke now: ci-nightly' }).waitFor();
    });
    await expectNoSeriousViolations('audit', async () => {
      await open('/audit?entityType=environment', 'Audit');
      await page.getByRole('row').filter({ hasText: 'staging' }).first().waitFor();
    });
  });

  test('when an admin opens Schedules, a schedule and Notifications, then the open form with a refusal at its field, the runs and a new secret with deliveries have no serious violation', async () => {
    const env = await h.createEnvironment({ name: 'staging-nightly' });
    const created = await h.request('POST', '/api/v1/schedules', { name: 'nightly-import', jobId, environmentId: env.id, params: { target: 'clinics', batch_size: 10 }, cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
    expect(created.status).toBe(201);
    await expectNoSeriousViolations('schedules', async () => {
      await open('/schedules', 'Schedules');
      await page.getByRole('button', { name: 'New schedule' }).click();
      const form = page.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Job', { exact: true }).selectOption({ label: 'import-patients' });
      await form.getByLabel('batch_size', { exact: false }).waitFor();
      await form.getByRole('radio', { name: 'By a cron expression' }).check();
      await form.getByRole('textbox', { name: 'Cron expression' }).fill('61 * * * *');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      await form.getByRole('alert').waitFor();
    });
    await expectNoSeriousViolations('schedule', async () => {
      await open(`/schedules/${created.body.id}`, 'Schedule nightly-import');
      await page.getByRole('list', { name: 'Next run times' }).waitFor();
      await page.getByRole('button', { name: 'Delete nightly-import' }).click();
      await page.getByRole('button', { name: 'Delete now: nightly-import' }).waitFor();
    });
    await expectNoSeriousViolations('notifications', async () => {
      await open('/notifications', 'Notifications');
      await page.getByRole('button', { name: 'New notification target' }).click();
      const form = page.getByRole('form', { name: 'New notification target' });
      await form.getByLabel('Name', { exact: true }).fill('ops-hook');
      const url = form.getByLabel('URL', { exact: true });
      await url.fill('ftp://127.0.0.1/migrator');
      await form.getByRole('button', { name: 'Create notification target' }).click();
      await form.getByRole('alert').waitFor();
      expect(await url.getAttribute('aria-invalid')).toBe('true');
      await expectNoViolationsNow();
      await url.fill('http://127.0.0.1:9/migrator');
      await form.getByRole('button', { name: 'Create notification target' }).click();
      await page.getByRole('textbox', { name: 'Secret of ops-hook' }).waitFor();
      await page.getByRole('button', { name: 'Deliveries of ops-hook' }).click();
      await page.getByText('Nothing delivered yet.').waitFor();
    });
  });

  test('when a viewer is signed in, then the pages as they see them, admin-only ones included, have no serious violation', async () => {
    const viewer = await h.createToken('viewer', 'eve-laptop', 'eve');
    page = await (await browser.newContext(axeContext)).newPage();
    log = recordConsole(page);
    await signInThroughPage(page, h.url, viewer.token);
    for (const [path, heading] of [
      ['/jobs', 'Jobs'],
      ['/environments', 'Environments'],
      ['/tokens', 'Tokens'],
      ['/schedules', 'Schedules'],
      ['/notifications', 'Notifications'],
    ] as const) {
      await expectNoSeriousViolations(`viewer${path.replace('/', '-')}`, () => open(path, heading));
    }
  });
});
