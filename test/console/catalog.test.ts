import type { Page } from 'playwright-core';

import { freePort } from '../../scripts/lib/loopbackSshd';
import { launchBrowser, recordConsole, withEvidence, type TestBrowser } from '../support/browser';
import { signInThroughPage } from '../support/consoleSignIn';
import { startHarness, type Harness } from '../support/harness';

describe('console: the catalog pages', () => {
  let h: Harness;
  let browser: TestBrowser;

  beforeAll(async () => {
    h = await startHarness();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function signedIn(token: string): Promise<{ page: Page; log: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const log = recordConsole(page);
    await signInThroughPage(page, h.url, token);
    return { page, log };
  }

  const goTo = async (p: Page, section: string) => {
    await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
    await p.getByRole('heading', { level: 1, name: section }).waitFor();
  };

  test('when an admin creates an environment, a source and a job with an enum, an integer and an optional parameter through the pages, then the API has them as entered, and Check pinned the host key', async () => {
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-admin-creates', p, log, async () => {
      await goTo(p, 'Environments');
      await p.getByText('No environments yet. Create one with “New environment”').waitFor();
      await p.getByRole('button', { name: 'New environment' }).click();
      const envForm = p.getByRole('form', { name: 'New environment' });
      await envForm.getByLabel('Name', { exact: true }).fill('staging');
      await envForm.getByLabel('Host', { exact: true }).fill(h.services.ssh.host);
      await envForm.getByLabel('Port').fill(String(h.services.ssh.port));
      await envForm.getByLabel('User name').fill(h.services.ssh.username);
      await envForm.getByLabel('Private key file').fill(h.services.ssh.privateKeyPath);
      await envForm.getByLabel('Node path').fill(process.execPath);
      await envForm.getByRole('button', { name: 'Create environment' }).click();
      await p.getByRole('status').filter({ hasText: 'Environment staging created.' }).waitFor();
      await p.getByRole('row', { name: /staging/ }).getByText('not pinned yet').waitFor();

      await p.getByRole('button', { name: 'Check staging' }).click();
      await p.getByRole('status').filter({ hasText: 'Check of staging done: its host key is pinned now.' }).waitFor({ timeout: 45_000 });
      const report = p.getByRole('region', { name: 'Check of staging' });
      await report.getByText('pinned now', { exact: false }).waitFor({ timeout: 45_000 });
      await report.getByText(h.services.ssh.hostKeyFingerprint).waitFor();
      await report.getByText(process.version).waitFor();
      await report.getByText('flock: found').waitFor();
      await p.getByRole('row', { name: /^staging / }).getByText(h.services.ssh.hostKeyFingerprint).waitFor();

      await goTo(p, 'Sources');
      await p.getByRole('button', { name: 'New source' }).click();
      const sourceForm = p.getByRole('form', { name: 'New source' });
      await sourceForm.getByLabel('Name').fill('iclinic-main');
      await sourceForm.getByLabel('System').fill('iclinic');
      await sourceForm.getByRole('button', { name: 'Create source' }).click();
      await p.getByRole('status').filter({ hasText: 'Source iclinic-main created.' }).waitFor();

      await goTo(p, 'Jobs');
      await p.getByRole('button', { name: 'New job' }).click();
      const jobForm = p.getByRole('form', { name: 'New job' });
      const jobFields = jobForm.getByRole('group', { name: 'Job', exact: true });
      await jobFields.getByLabel('Name').fill('import-patients');
      await jobFields.getByLabel('Source').selectOption({ label: 'iclinic-main' });
      await jobFields.getByLabel('Script path').fill('/opt/migrations/import-patients.js');
      await jobFields.getByLabel('Interpreter').selectOption('node');
      const parameter = (n: number) => jobForm.getByRole('group', { name: `Parameter ${n}`, exact: true });
      const addParameter = () => jobForm.getByRole('button', { name: 'Add parameter' }).click();

      await addParameter();
      await parameter(1).getByLabel('Name').fill('target');
      await parameter(1).getByLabel('Type').selectOption('enum');
      await parameter(1).getByLabel('Values').fill('clinics\npatients');
      // Entered out of order on purpose: the optional one before a required one.
      await addParameter();
      await parameter(2).getByLabel('Name').fill('note');
      await parameter(2).getByLabel('Required').uncheck();
      await addParameter();
      await parameter(3).getByLabel('Name').fill('batch_size');
      await parameter(3).getByLabel('Type').selectOption('integer');
      await parameter(3).getByLabel('Minimum').fill('1');
      await parameter(3).getByLabel('Maximum').fill('5000');
      await jobForm.getByRole('button', { name: 'Create job' }).click();

      // The server's rule, shown at the field it names, and its detail as is.
      const required3 = parameter(3).getByLabel('Required');
      await parameter(3).getByText('a required parameter cannot follow an optional one').waitFor();
      expect(await required3.getAttribute('aria-invalid')).toBe('true');
      await jobForm.getByRole('alert').filter({ hasText: 'parameters.2.required' }).waitFor();

      await jobForm.getByRole('button', { name: 'Move up parameter 3' }).click();
      expect(await parameter(2).getByLabel('Name').inputValue()).toBe('batch_size');
      await jobForm.getByRole('button', { name: 'Create job' }).click();
      await p.getByRole('status').filter({ hasText: 'Job import-patients created.' }).waitFor();
      const row = p.getByRole('row', { name: /import-patients/ });
      await row.getByText('target (enum), batch_size (integer), note? (string)').waitFor();

      const [envs, srcs, jobList] = await Promise.all([h.request('GET', '/api/v1/environments'), h.request('GET', '/api/v1/sources'), h.request('GET', '/api/v1/jobs')]);
      expect(envs.body.items).toEqual([
        expect.objectContaining({
          name: 'staging',
          host: h.services.ssh.host,
          port: h.services.ssh.port,
          username: h.services.ssh.username,
          privateKeyPath: h.services.ssh.privateKeyPath,
          nodePath: process.execPath,
          hostKeyFingerprint: h.services.ssh.hostKeyFingerprint,
          production: false,
        }),
      ]);
      expect(srcs.body.items).toEqual([expect.objectContaining({ name: 'iclinic-main', system: 'iclinic', description: null })]);
      expect(jobList.body.items).toEqual([
        expect.objectContaining({
          name: 'import-patients',
          sourceId: srcs.body.items[0].id,
          scriptPath: '/opt/migrations/import-patients.js',
          interpreter: 'node',
          parameters: [
            { name: 'target', type: 'enum', required: true, values: ['clinics', 'patients'] },
            { name: 'batch_size', type: 'integer', required: true, min: 1, max: 5000 },
            { name: 'note', type: 'string', required: false },
          ],
        }),
      ]);
      expect(await row.getByRole('link', { name: 'Run import-patients' }).getAttribute('href')).toBe(`/run?jobId=${jobList.body.items[0].id}`);
    });
  });

  test('when a check fails, then the page says what happened in plain words, then the server’s detail', async () => {
    const wrongKey = `SHA256:${'A'.repeat(43)}`;
    await h.createEnvironment({ name: 'reinstalled-host', hostKeyFingerprint: wrongKey });
    await h.createEnvironment({ name: 'switched-off-host', port: await freePort() });
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-check-fails', p, log, async () => {
      await goTo(p, 'Environments');
      await p.getByRole('button', { name: 'Check reinstalled-host' }).click();
      const mismatch = p.getByRole('region', { name: 'Check of reinstalled-host' });
      await mismatch.getByText('The host presented a different key than the one pinned').waitFor({ timeout: 45_000 });
      await mismatch.getByText(h.services.ssh.hostKeyFingerprint, { exact: false }).waitFor();

      await p.getByRole('button', { name: 'Check switched-off-host' }).click();
      const unreachable = p.getByRole('region', { name: 'Check of switched-off-host' });
      await unreachable.getByText('The worker could not reach the host.').waitFor({ timeout: 45_000 });
      await unreachable.getByText('run the check again', { exact: false }).waitFor();
    });
  });

  test('when an admin edits and archives a source, then the list shows the change, and the archived one only on request with Restore', async () => {
    const source = (await h.request('POST', '/api/v1/sources', { name: 'legacy-crm', system: 'crm' })).body;
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-admin-edits', p, log, async () => {
      await goTo(p, 'Sources');
      await p.getByRole('button', { name: 'Edit legacy-crm' }).click();
      const form = p.getByRole('form', { name: 'Edit source legacy-crm' });
      await form.getByLabel('Description').fill('The CRM retired in 2025');
      await form.getByLabel('System').fill('');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form.getByLabel('System').and(p.locator('[aria-invalid="true"]')).waitFor();
      await form.getByLabel('System').fill('salesforce');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await p.getByRole('status').filter({ hasText: 'Source legacy-crm saved.' }).waitFor();
      await p.getByRole('row', { name: /legacy-crm/ }).getByText('salesforce').waitFor();

      await p.getByRole('button', { name: 'Archive legacy-crm' }).click();
      await p.getByRole('status').filter({ hasText: 'Source legacy-crm archived.' }).waitFor();
      await p.getByRole('row', { name: /legacy-crm/ }).waitFor({ state: 'detached' });
      await p.getByLabel('Show archived sources').check();
      await p.getByRole('button', { name: 'Restore legacy-crm' }).waitFor();
      expect((await h.request('GET', `/api/v1/sources/${source.id}`)).body).toMatchObject({ system: 'salesforce', description: 'The CRM retired in 2025', archivedAt: expect.any(String) });
    });
  });

  test('when an admin uses only the keyboard, then they open the form, fill it in order and create a source, and hear that it was created', async () => {
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-keyboard', p, log, async () => {
      await goTo(p, 'Sources');
      await p.getByRole('button', { name: 'New source' }).focus();
      await p.keyboard.press('Enter');
      // The form's heading takes the focus; from there Tab walks the fields in order.
      await p.getByRole('heading', { name: 'New source' }).and(p.locator(':focus')).waitFor();
      await p.keyboard.press('Tab');
      await p.keyboard.type('keyboard-source');
      await p.keyboard.press('Tab');
      await p.keyboard.type('iclinic');
      await p.keyboard.press('Tab');
      await p.keyboard.type('Typed without a mouse');
      await p.keyboard.press('Tab');
      await p.getByRole('button', { name: 'Create source' }).and(p.locator(':focus')).waitFor();
      await p.keyboard.press('Enter');
      await p.getByRole('status').filter({ hasText: 'Source keyboard-source created.' }).waitFor();
      await p.getByRole('row', { name: /keyboard-source/ }).getByText('Typed without a mouse').waitFor();
      await p.getByRole('button', { name: 'New source' }).and(p.locator(':focus')).waitFor();
    });
  });

  test('when an admin creates a token, then its secret is shown once and signs in; revoking it from the page ends that; the audit log pages with Load more and lists both, filtered', async () => {
    for (let i = 0; i < 50; i++) await h.request('POST', '/api/v1/sources', { name: `bulk-${i}`, system: 'bulk' });
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-tokens', p, log, async () => {
      await goTo(p, 'Tokens');
      const form = p.getByRole('form', { name: 'New token' });
      await form.getByLabel('Token name').fill('ci-nightly');
      await form.getByLabel('Owner').fill('ci');
      await form.getByLabel('Role').selectOption('operator');
      await form.getByRole('button', { name: 'Create token' }).click();
      const secret = await p.getByRole('textbox', { name: 'Secret of ci-nightly' }).inputValue();
      expect((await h.request('GET', '/api/v1/me', undefined, { token: secret })).body).toMatchObject({ role: 'operator' });

      await p.getByRole('button', { name: 'Revoke ci-nightly' }).click();
      await p.getByRole('button', { name: 'Revoke now: ci-nightly, ending its sessions' }).click();
      await p.getByRole('status').filter({ hasText: 'Token ci-nightly revoked' }).waitFor();
      await p.getByRole('row', { name: /ci-nightly/ }).getByText(/^revoked /).waitFor();
      expect((await h.request('GET', '/api/v1/me', undefined, { token: secret })).status).toBe(401);

      await goTo(p, 'Audit');
      // More changes than a page holds: the rest come with Load more.
      const shown = p.getByRole('status').filter({ hasText: /entries shown/ });
      await shown.filter({ hasText: '50 entries shown; more can be loaded.' }).waitFor();
      await p.getByRole('button', { name: 'Load more' }).click();
      await shown.filter({ hasText: /^\d+ entries shown\.$/ }).waitFor();
      const total = (await h.request('GET', '/api/v1/audit?limit=200')).body.items.length;
      expect(await shown.textContent()).toBe(`${total} entries shown.`);
      expect(await p.getByRole('row').count()).toBe(total + 1);

      await p.getByLabel('Kind').selectOption('token');
      await p.getByRole('button', { name: 'Apply filters' }).click();
      await p.waitForURL(/entityType=token/);
      const rows = p.getByRole('row').filter({ hasText: 'token' });
      await rows.filter({ hasText: 'revoke' }).first().waitFor();
      expect(await p.getByRole('row').filter({ hasText: ' source ' }).count()).toBe(0);
    });
  });

  test('when an admin edits a job, then removing and moving its parameters through the page changes their order in the API', async () => {
    const job = await h.createJob({
      name: 'reorder-me',
      scriptPath: '/opt/migrations/reorder.sh',
      interpreter: 'bash',
      parameters: [
        { name: 'obsolete', type: 'boolean' },
        { name: 'tenant', type: 'string', pattern: '^[a-z]+$' },
        { name: 'rows', type: 'number', max: 10 },
      ],
    });
    const { page: p, log } = await signedIn(h.adminToken);
    await withEvidence('catalog-job-edit', p, log, async () => {
      await goTo(p, 'Jobs');
      await p.getByRole('button', { name: 'Edit reorder-me' }).click();
      const form = p.getByRole('form', { name: 'Edit job reorder-me' });
      expect(await form.getByRole('group', { name: 'Parameter 2', exact: true }).getByLabel('Pattern').inputValue()).toBe('^[a-z]+$');
      await form.getByRole('button', { name: 'Remove parameter 1' }).click();
      await form.getByRole('button', { name: 'Move down parameter 1' }).click();
      await form.getByRole('group', { name: 'Parameter 1', exact: true }).getByLabel('Description').fill('how many rows at most');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await p.getByRole('status').filter({ hasText: 'Job reorder-me saved.' }).waitFor();
      expect((await h.request('GET', `/api/v1/jobs/${job.id}`)).body.parameters).toEqual([
        { name: 'rows', type: 'number', required: true, max: 10, description: 'how many rows at most' },
        { name: 'tenant', type: 'string', required: true, pattern: '^[a-z]+$' },
      ]);
    });
  });

  test('when an operator opens Jobs, then each job offers Run and nothing that changes the catalog', async () => {
    const job = await h.createJob({ name: 'operator-runs-this', scriptPath: '/opt/migrations/run.js' });
    const operator = await h.createToken('operator', 'dana-laptop', 'dana');
    const { page: p, log } = await signedIn(operator.token);
    await withEvidence('catalog-operator', p, log, async () => {
      await goTo(p, 'Jobs');
      const row = p.getByRole('row', { name: /operator-runs-this/ });
      expect(await row.getByRole('link', { name: 'Run operator-runs-this' }).getAttribute('href')).toBe(`/run?jobId=${job.id}`);
      expect(await p.getByRole('main').getByRole('button', { name: /^(New|Edit|Archive|Restore) / }).count()).toBe(0);
    });
  });

  test('when a viewer opens the catalog pages, then they see the entries and no create, edit, archive, check or run control, and no admin pages', async () => {
    const env = await h.createEnvironment({ name: 'viewer-sees-env' });
    const job = await h.createJob({ name: 'viewer-sees-job', scriptPath: '/opt/migrations/noop.js' });
    const source = (await h.request('GET', `/api/v1/sources/${job.sourceId}`)).body;
    const viewer = await h.createToken('viewer', 'eve-laptop', 'eve');
    const { page: p, log } = await signedIn(viewer.token);
    await withEvidence('catalog-viewer', p, log, async () => {
      const nav = p.getByRole('navigation', { name: 'Sections' });
      expect(await nav.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
      expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0);
      for (const [section, entry] of [
        ['Environments', env.name],
        ['Sources', source.name],
        ['Jobs', job.name],
      ] as const) {
        await goTo(p, section);
        await p.getByRole('row', { name: new RegExp(entry) }).first().waitFor();
        const writeControls = p.getByRole('main').getByRole('button', { name: /^(New|Edit|Archive|Restore|Check) / });
        expect(await writeControls.count()).toBe(0);
        expect(await p.getByRole('link', { name: /^Run / }).count()).toBe(0);
      }
      await p.goto(`${h.url}/tokens`);
      await p.getByText('Only admins see this page.').waitFor();
      expect(await p.getByRole('button', { name: 'Create token' }).count()).toBe(0);
    });
  });
});
