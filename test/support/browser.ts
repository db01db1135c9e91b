import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

import { launchChromium } from '../../scripts/lib/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies): one per person in a test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await launchChromium();
  return {
    browser,
    newContext: (options) => browser.newContext({ viewport: { width: 1400, height: 900 }, ...options }),
    close: () => browser.close(),
  };
}

/** The page's console messages, kept for the failure report. */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  return lines;
}

/** Runs `body`; on failure saves a screenshot and the page's console log under test-results/ before rethrowing. */
export async function withEvidence(name: string, page: Page, log: string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const dir = path.resolve(__dirname, '..', '..', 'test-results');
    mkdirSync(dir, { recursive: true });
    const file = name.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 80);
    await page.screenshot({ path: path.join(dir, `${file}.png`), fullPage: true }).catch(() => undefined);
    writeFileSync(path.join(dir, `${file}.console.log`), log.join('\n'));
    throw err;
  }
}
