import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMigratorClient, dataOrThrow, type MigratorClient } from '@migrator/api-client';
import type { Browser, Page } from 'playwright-core';
import { Client } from 'pg';

import { launchChromium } from './lib/chromium';
import { ensureConsoleBuilt } from './lib/consoleBuild';
import { demoJob, demoParams } from './lib/demoJob';
import { loopbackEnvironment, startLoopbackSshd, type LoopbackSshd } from './lib/loopbackSshd';
import { defaultDatabaseUrl, startStack, type Stack } from './lib/stack';

/**
 * `npm run screenshots`: starts the stack as the demo does, but on a database and a Temporal
 * server of its own (so the pictures show only the demo's data, and nobody's dev stack is
 * touched), registers the demo's catalog through the API, checks the environment and runs the
 * demo's migration through the console, and writes a PNG of each console page to
 * docs/screenshots/ with Debian's Chromium at 1280x800.
 */
const say = (line: string): void => console.log(`screenshots | ${line}`);

const repoRoot = path.resolve(__dirname, '..');
const outDir = path.join(repoRoot, 'docs', 'screenshots');

interface Shot {
  file: string;
  /** Brings the page to the state pictured; signed in as the admin unless said otherwise. */
  show(page: Page, ctx: { apiUrl: string; executionId: string }): Promise<void>;
}

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
const visit = async (page: Page, url: string, title: string) => {
  await page.goto(url);
  await heading(page, title);
};

const shots: Shot[] = [
  { file: 'executions.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/`, 'Executions') },
  {
    file: 'execution.png',
    show: async (p, { apiUrl, executionId }) => {
      await p.goto(`${apiUrl}/executions/${executionId}`);
      await p.getByRole('heading', { level: 1 }).waitFor();
    },
  },
  { file: 'jobs.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/jobs`, 'Jobs') },
  {
    file: 'run.png',
    show: async (p, { apiUrl }) => {
      await visit(p, `${apiUrl}/jobs`, 'Jobs');
      await p.getByRole('link', { name: /^Run/ }).first().click();
      await heading(p, 'Run a job');
    },
  },
  {
    file: 'job-edit.png',
    show: async (p, { apiUrl }) => {
      await visit(p, `${apiUrl}/jobs`, 'Jobs');
      await p.getByRole('button', { name: 'Edit orchestrate-import' }).click();
      await p.getByRole('heading', { name: 'Edit job orchestrate-import' }).waitFor();
      await p.evaluate('window.scrollTo(0, 440)');
    },
  },
  { file: 'sources.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/sources`, 'Sources') },
  { file: 'tokens.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/tokens`, 'Tokens') },
  { file: 'schedules.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/schedules`, 'Schedules') },
  {
    file: 'schedule.png',
    show: async (p, { apiUrl }) => {
      await visit(p, `${apiUrl}/schedules`, 'Schedules');
      await p.getByRole('link', { name: 'nightly-import' }).click();
      await heading(p, 'Schedule nightly-import');
    },
  },
  {
    file: 'notifications.png',
    show: async (p, { apiUrl }) => {
      await visit(p, `${apiUrl}/notifications`, 'Notifications');
      await p.getByRole('button', { name: 'New notification target' }).click();
      await p.getByRole('form', { name: 'New notification target' }).waitFor();
    },
  },
  { file: 'audit.png', show: (p, { apiUrl }) => visit(p, `${apiUrl}/audit`, 'Audit') },
];

async function seedCatalog(client: MigratorClient, sshd: LoopbackSshd): Promise<{ jobId: string; environmentId: string }> {
  const source = dataOrThrow(await client.POST('/api/v1/sources', { body: { name: 'iclinic', system: 'iclinic', description: 'iClinic exports' } }));
  dataOrThrow(await client.POST('/api/v1/sources', { body: { name: 'legacy-crm', system: 'salesforce', description: null } }));
  // The host key is left unpinned: the pictured Check pins it, as an admin does the first time.
  const environment = dataOrThrow(await client.POST('/api/v1/environments', { body: { ...loopbackEnvironment(sshd, 'demo'), name: 'staging', hostKeyFingerprint: null } }));
  dataOrThrow(await client.POST('/api/v1/environments', { body: { ...loopbackEnvironment(sshd, 'demo'), name: 'production', production: true } }));
  const job = dataOrThrow(await client.POST('/api/v1/jobs', { body: demoJob(source.id) }));
  for (const [name, owner, role] of [
    ['dana-laptop', 'dana', 'operator'],
    ['eve-laptop', 'eve', 'viewer'],
  ] as const) {
    dataOrThrow(await client.POST('/api/v1/tokens', { body: { name, owner, role } }));
  }
  // A nightly run of the demo job: pictured in the schedules' list and detail, not due while the script runs.
  dataOrThrow(
    await client.POST('/api/v1/schedules', {
      body: { name: 'nightly-import', jobId: job.id, environmentId: environment.id, params: demoParams, cron: '30 2 * * *', timeZone: 'Europe/Berlin', note: 'incremental import' },
    }),
  );
  return { jobId: job.id, environmentId: environment.id };
}

async function runDemoMigration(client: MigratorClient, jobId: string, environmentId: string): Promise<string> {
  const started = dataOrThrow(await client.POST('/api/v1/executions', { body: { jobId, environmentId, params: demoParams } }));
  await client.followLog(started.id, {});
  const execution = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id: started.id } } }));
  say(`the demo's migration ended ${execution.status} (${execution.lineCount} lines)`);
  return started.id;
}

async function takeScreenshots(browser: Browser, stack: Stack, client: MigratorClient, sshd: LoopbackSshd): Promise<void> {
  const { jobId, environmentId } = await seedCatalog(client, sshd);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const save = (file: string) => page.screenshot({ path: path.join(outDir, file) }).then(() => say(`wrote docs/screenshots/${file}`));

  await page.goto(`${stack.apiUrl}/sign-in`);
  await page.getByLabel('API token').fill('mig_not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await save('sign-in.png');
  await page.getByLabel('API token').fill(stack.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading(page, 'Executions');

  await visit(page, `${stack.apiUrl}/environments`, 'Environments');
  await page.getByRole('button', { name: 'Check staging' }).click();
  await page.getByRole('region', { name: 'Check of staging' }).getByText('Host key').waitFor({ timeout: 60_000 });
  await save('environments.png');

  const executionId = await runDemoMigration(client, jobId, environmentId);
  for (const shot of shots) {
    await shot.show(page, { apiUrl: stack.apiUrl, executionId });
    await save(shot.file);
  }
  await context.close();
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const admin = new URL(databaseUrl);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`drop database if exists "${name}" with (force)`);
  await client.end();
}

async function run(): Promise<void> {
  ensureConsoleBuilt();
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-screenshots-'));
  const databaseUrl = new URL(process.env.DATABASE_URL ?? defaultDatabaseUrl);
  databaseUrl.pathname = `/migrator_screenshots_${randomBytes(4).toString('hex')}`;
  let sshd: LoopbackSshd | undefined;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  try {
    sshd = await startLoopbackSshd({ baseDir: path.join(workDir, 'sshd') });
    stack = await startStack(say, { temporal: 'own', workDir, databaseUrl: databaseUrl.toString(), sshKeyDir: sshd.dir });
    browser = await launchChromium();
    await takeScreenshots(browser, stack, createMigratorClient({ baseUrl: stack.apiUrl, token: stack.adminToken }), sshd);
  } finally {
    await browser?.close();
    await stack?.stop();
    await sshd?.stop();
    if (stack) await dropDatabase(databaseUrl.toString()).catch((err: unknown) => say(`could not drop ${databaseUrl.pathname.slice(1)}: ${String(err)}`));
    rmSync(workDir, { recursive: true, force: true });
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`screenshots | failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
