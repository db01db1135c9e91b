import type { Page } from 'playwright-core';

import { withEvidence } from '../support/browser';
import { consoleWorld, eventually, signedInPage } from '../support/consoleWorld';

/** Rows of the history on screen, without the header row. */
async function rowCount(p: Page): Promise<number> {
  return Math.max(0, (await p.getByRole('table', { name: 'Executions, newest first' }).getByRole('row').count()) - 1);
}

async function expectRows(p: Page, n: number): Promise<void> {
  await eventually(async () => (await rowCount(p)) === n, `${n} rows are on screen`);
}

describe('console: the history for a viewer', () => {
  // No worker: executions stay queued or awaiting approval, so the rows stay as they were made.
  const world = consoleWorld({ worker: false });

  test('when a viewer filters the history, then the rows match the filters, "load more" pages on, the URL restores the filters, and no write control is offered', async () => {
    const { h, browser } = world;
    const staging = await h.createEnvironment();
    const production = await h.createEnvironment({ name: `prod-${Date.now().toString(36)}`, production: true });
    // One active execution per job and environment: a job for each row.
    const daily = await Promise.all(Array.from({ length: 30 }, () => h.createJob({ scriptPath: '/bin/true' })));
    const fixes = await Promise.all(Array.from({ length: 3 }, () => h.createJob({ scriptPath: '/bin/true' })));
    const alice = await h.createToken('operator', 'alice-laptop', 'alice');
    const bob = await h.createToken('operator', 'bob-laptop', 'bob');
    const start = async (token: string, jobId: string, env: { id: string; name: string; production: boolean }) => {
      const body = { jobId, environmentId: env.id, params: {}, ...(env.production ? { confirmProduction: env.name } : {}) };
      const res = await h.request('POST', '/api/v1/executions', body, { token });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    for (const job of daily) await start(alice.token, job.id, staging);
    const since = new Date().toISOString();
    const awaiting: string[] = [];
    for (const job of fixes) awaiting.push(await start(bob.token, job.id, production));
    expect((await h.request('POST', `/api/v1/executions/${awaiting[0]}/reject`, { reason: 'wrong ticket' }, { token: alice.token })).status).toBe(200);

    const viewer = await h.createToken('viewer', 'vic-laptop', 'vic');
    const { page: p, log } = await signedInPage(browser, h.url, viewer.token);
    await withEvidence('history-viewer', p, log, async () => {
      expect(await p.getByRole('link', { name: 'Run a job' }).count()).toBe(0);
      await expectRows(p, 25);
      await p.getByRole('button', { name: 'Load more' }).click();
      await expectRows(p, 33);
      expect(await p.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      expect(await p.getByText('next in line', { exact: true }).count()).toBe(1);
      expect(await p.getByText('29 ahead in the queue', { exact: true }).count()).toBe(1);

      await p.getByLabel('Status').selectOption({ label: 'rejected' });
      await p.getByRole('button', { name: 'Apply filters' }).click();
      await p.waitForURL((u) => u.searchParams.get('status') === 'rejected');
      await expectRows(p, 1);
      expect(await p.getByRole('table').getByRole('link').allTextContents()).toEqual([fixes[0]!.name]);

      await p.getByLabel('Status').selectOption({ label: 'Any status' });
      await p.getByLabel('Started by').fill('alice');
      await p.getByRole('button', { name: 'Apply filters' }).click();
      await p.waitForURL((u) => u.searchParams.get('startedBy') === 'alice' && !u.searchParams.has('status'));
      await expectRows(p, 25);
      await p.getByRole('button', { name: 'Load more' }).click();
      await expectRows(p, 30);
      const names = await p.getByRole('table').getByRole('link').allTextContents();
      expect(names).toEqual(daily.map((j) => j.name).reverse());

      await p.getByLabel('Started by').fill('');
      await p.getByLabel('Job').selectOption({ label: daily[7]!.name });
      await p.getByRole('button', { name: 'Apply filters' }).click();
      await p.waitForURL((u) => u.searchParams.get('jobId') === daily[7]!.id && !u.searchParams.has('startedBy'));
      await expectRows(p, 1);
      await p.getByText('7 ahead in the queue', { exact: true }).waitFor();

      // A shared link restores its filters: the controls show them and the rows follow them.
      await p.goto(`${h.url}/?status=awaiting_approval&startedBy=bob&from=${encodeURIComponent(since)}`);
      await expectRows(p, 2);
      expect(await p.getByLabel('Status').inputValue()).toBe('awaiting_approval');
      expect(await p.getByLabel('Started by').inputValue()).toBe('bob');
      expect(await p.getByLabel('From').inputValue()).not.toBe('');
      expect(await p.getByText('awaits approval by an operator other than bob').count()).toBe(2);

      await p.getByLabel('Current environment').selectOption({ label: `${production.name} (production)` });
      await p.waitForURL((u) => u.searchParams.get('environmentId') === production.id);
      await p.getByRole('button', { name: 'Clear filters' }).click();
      await p.waitForURL((u) => [...u.searchParams.keys()].join() === 'environmentId');
      await expectRows(p, 3);

      // The header's choice is remembered: the bare home page comes back to it.
      await p.goto(`${h.url}/`);
      await p.waitForURL((u) => u.searchParams.get('environmentId') === production.id);
      await expectRows(p, 3);

      await p.getByRole('link', { name: fixes[1]!.name }).click();
      await p.getByRole('heading', { name: `${fixes[1]!.name} on ${production.name}` }).waitFor();
      await p.getByRole('heading', { name: 'Parameters' }).waitFor();
      for (const name of ['Approve', 'Reject', 'Cancel execution…', 'Re-run…']) expect(await p.getByRole('button', { name }).count()).toBe(0);
    });
  });

  test('when the live connection is lost, then the page says so, and when it is back, the banner goes and a change made meanwhile is on screen without a reload', async () => {
    const { h, browser } = world;
    const production = await h.createEnvironment({ name: `prod-${Date.now().toString(36)}`, production: true });
    const job = await h.createJob({ scriptPath: '/bin/true' });
    const bob = await h.createToken('operator', 'bob2-laptop', 'bob2');
    const alice = await h.createToken('operator', 'alice2-laptop', 'alice2');
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: production.id, params: {}, confirmProduction: production.name }, { token: bob.token });
    const viewer = await h.createToken('viewer', 'val-laptop', 'val');
    const { page: p, log } = await signedInPage(browser, h.url, viewer.token);
    await withEvidence('history-lost-connection', p, log, async () => {
      const events = '**/api/v1/executions/events*';
      await p.route(events, (route) => route.abort('connectionreset'));
      await p.goto(`${h.url}/?environmentId=${production.id}`);
      const lost = p.getByRole('status').filter({ hasText: 'Connection to the server lost' });
      await lost.waitFor();
      await p.getByRole('cell').filter({ hasText: 'awaiting approval' }).waitFor();

      expect((await h.request('POST', `/api/v1/executions/${started.body.id}/reject`, {}, { token: alice.token })).status).toBe(200);
      await p.unroute(events);
      await lost.waitFor({ state: 'hidden', timeout: 15_000 });
      await p.getByRole('cell').filter({ hasText: 'rejected' }).waitFor({ timeout: 15_000 });
    });
  });
});
