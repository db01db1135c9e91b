import type { Page } from 'playwright-core';

import { launchBrowser, recordConsole, type TestBrowser } from './browser';
import { type Harness, type HarnessOptions, startHarness } from './harness';

/** A browser test file's world: the real stack and one Chromium, torn down after the file. */
export interface ConsoleWorld {
  h: Harness;
  browser: TestBrowser;
}

/** Starts the world in beforeAll and stops it in afterAll; read its fields inside tests. */
export function consoleWorld(options?: HarnessOptions): ConsoleWorld {
  const world = {} as ConsoleWorld;
  beforeAll(async () => {
    world.h = await startHarness(options);
    world.browser = await launchBrowser();
  });
  afterAll(async () => {
    await world.browser?.close();
    await world.h?.stop();
  });
  return world;
}

export interface SignedInPage {
  page: Page;
  /** The page's console, for withEvidence. */
  log: string[];
}

/** A person in their own browser context, signed in through the sign-in page with their token. */
export async function signedInPage(browser: TestBrowser, url: string, token: string): Promise<SignedInPage> {
  const page = await (await browser.newContext()).newPage();
  const log = recordConsole(page);
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Executions' }).waitFor();
  return { page, log };
}

/** Polls `check` until it holds (host-side facts a page cannot show, such as a process's end). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
