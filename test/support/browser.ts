import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/setup.sh installs it); browser downloads are impossible here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without these Chromium keeps calling Google's hosts, which this closed network refuses. */
const quietFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies): one per person in a test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Playwright gives each launch a fresh temporary profile (the fresh user-data-dir Chromium needs here). */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: quietFlags });
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
