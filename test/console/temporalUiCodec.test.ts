import { randomBytes } from 'node:crypto';

import type { Page } from 'playwright-core';

import { freePort } from '../../scripts/lib/loopbackSshd';
import { startDevServer, type DevServer } from '../../scripts/lib/temporalDevServer';
import { launchBrowser, recordConsole, withEvidence, type TestBrowser } from '../support/browser';
import { isFinished, startHarness, type Harness } from '../support/harness';
import { startOwnApi, type OwnApi } from '../support/ownApi';
import { testPayloadCodec } from '../support/temporalTest';

/**
 * The Temporal UI of a dev server of this file's own, started as `npm run dev` starts it (with
 * `--ui-codec-endpoint`), reading an execution whose params carry a marker: through the API's
 * codec with the console's session cookie, and without one.
 */
describe('the Temporal UI reads encrypted runs through the codec endpoint with the console’s session', () => {
  let dev: DevServer;
  let h: Harness;
  let api: OwnApi;
  let browser: TestBrowser;
  let workflowId: string;
  const marker = `PHI${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const port = await freePort();
    dev = await startDevServer({ ui: true, codecEndpoint: `http://127.0.0.1:${port}/codec` });
    h = await startHarness({ temporalAddress: dev.address });
    api = await startOwnApi(h, { temporalUiUrl: dev.uiUrl!, payloadCodec: testPayloadCodec() }, port);
    browser = await launchBrowser();
    const script = h.writeScript('greet.sh', 'echo "hello $1"\n');
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', parameters: [{ name: 'patient', type: 'string' }] });
    const environment = await h.createEnvironment();
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: environment.id, params: { patient: `${marker}@example.org` } });
    expect(started.status).toBe(202);
    workflowId = `execution-${started.body.id}`;
    expect(await h.waitForExecution(started.body.id, isFinished, 60_000)).toMatchObject({ status: 'succeeded' });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await h?.stop();
    await dev?.stop();
  });

  /** What an engineer does once per browser: the codec settings, the API's endpoint, "Include cross-origin credentials". */
  async function pointUiAtCodec(p: Page): Promise<void> {
    await p.goto(`${dev.uiUrl}/namespaces/default/workflows/${workflowId}`);
    await p.getByRole('button', { name: /Codec Server/ }).first().click();
    await p.getByRole('button', { name: /Use Cluster-level setting/ }).click();
    await p.getByText('Use my browser setting and ignore Cluster-level setting').click();
    await p.getByLabel('Codec Server browser endpoint').fill(`${api.url}/codec`);
    // By keyboard: the switch's input is visually hidden, and the panel's lower part sits under the UI's header here.
    const credentials = p.getByRole('switch', { name: 'Include cross-origin credentials' });
    await credentials.focus();
    await p.keyboard.press('Space');
    expect(await credentials.isChecked()).toBe(true);
    await p.getByRole('button', { name: 'Apply' }).focus();
    await p.keyboard.press('Enter');
    await p.reload();
  }

  test('when signed in to the console, then the UI shows the run’s params decrypted; signed out, it cannot decode and shows no plain text', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    const log = recordConsole(p);
    const codecAnswers: number[] = [];
    p.on('response', (r) => {
      if (r.url() === `${api.url}/codec/decode` && r.request().method() === 'POST') codecAnswers.push(r.status());
    });
    await withEvidence('temporal-ui-codec', p, log, async () => {
      const operator = await h.createToken('operator', 'erin');
      await p.goto(`${api.url}/sign-in`);
      await p.getByLabel('API token').fill(operator.token);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Executions' }).waitFor();

      await pointUiAtCodec(p);
      // The input, decrypted, and the details (starter, params) under "User Metadata".
      await p.getByText(`"executionId": "${workflowId.slice('execution-'.length)}"`).first().waitFor({ timeout: 20_000 });
      await p.getByText('User Metadata', { exact: true }).click();
      // The UI renders the summary and details as markdown, each in a frame of its own.
      await p.locator('iframe[title="output"]').nth(1).contentFrame().getByText(marker).waitFor({ timeout: 20_000 });
      expect(codecAnswers).toContain(200);

      // Signed out: the same browser, the same settings, and nothing decodes.
      await p.goto(`${api.url}/`);
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL(/\/sign-in/);
      codecAnswers.length = 0;
      await p.goto(`${dev.uiUrl}/namespaces/default/workflows/${workflowId}`);
      await p.getByText('User Metadata', { exact: true }).click();
      for (const deadline = Date.now() + 20_000; !codecAnswers.includes(401) && Date.now() < deadline; ) await p.waitForTimeout(200);
      expect(codecAnswers).toContain(401);
      expect(codecAnswers).not.toContain(200);
      await p.waitForTimeout(1000);
      const contents = await Promise.all(p.frames().map((f) => f.content()));
      expect(contents.join('\n')).not.toContain(marker);
      await p.getByRole('button', { name: 'Codec Server could not connect' }).waitFor();
    });
  });
});
