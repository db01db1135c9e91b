import type { Page } from 'playwright-core';

import { launchBrowser, recordConsole, withEvidence, type TestBrowser } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';

describe('console: signing in and out', () => {
  let h: Harness;
  let browser: TestBrowser;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function page(): Promise<{ page: Page; log: string[] }> {
    const p = await (await browser.newContext()).newPage();
    return { page: p, log: recordConsole(p) };
  }

  test('when an operator signs in with a wrong token, then the page says so; with a right one, they land where they were headed; signing out ends it', async () => {
    const { page: p, log } = await page();
    const operator = await h.createToken('operator', 'dana-laptop', 'dana');
    await withEvidence('sign-in', p, log, async () => {
      await p.goto(`${h.url}/`);
      await p.waitForURL(/\/sign-in\?returnTo=%2F/);
      await p.getByLabel('API token').fill('mig_wrong');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').filter({ hasText: 'unknown, revoked or expired' }).waitFor();

      await p.getByLabel('API token').fill(operator.token);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Executions' }).waitFor();
      await p.getByText('Signed in as').filter({ hasText: 'dana' }).waitFor();
      const cookies = await p.context().cookies();
      expect(cookies.find((c) => c.name === 'migrator_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL(/\/sign-in/);
      expect((await p.request.get(`${h.url}/api/v1/me`)).status()).toBe(401);
    });
  });

  test('when the token behind a session is revoked, then the next request sends the operator to sign in, and back to their page afterwards', async () => {
    const { page: p, log } = await page();
    const viewer = await h.createToken('viewer', 'eve-laptop', 'eve');
    await withEvidence('revoked', p, log, async () => {
      await p.goto(`${h.url}/sign-in`);
      await p.getByLabel('API token').fill(viewer.token);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Executions' }).waitFor();
      expect((await h.request('DELETE', `/api/v1/tokens/${viewer.id}`)).status).toBe(204);
      await p.goto(`${h.url}/?status=failed`);
      await p.waitForURL(/\/sign-in\?returnTo=/);
      expect(decodeURIComponent(new URL(p.url()).searchParams.get('returnTo') ?? '')).toBe('/?status=failed');
    });
  });

  test('when the console is served, then pages carry a CSP that forbids framing, assets are cached for good, and API paths stay the API’s', async () => {
    const res = await fetch(`${h.url}/executions/some-id`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${h.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const api = await fetch(`${h.url}/api/v1/nothing-here`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });
});
