import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';

import { dataOrThrow } from '@migrator/api-client';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

import { launchBrowser, type TestBrowser } from '../../test/support/browser';
import { type BenchContext, dropThrowawayExecution, insertThrowawayExecution, truncateLogLines } from '../context';
import { writeCopyFile } from '../copyData';
import { formatMs, formatRatio, median, runCommand } from '../measure';
import { type ItemOutput, verdict } from '../report';
import { latencyRate } from './latency';

export const consoleLines = 1_000_000;
const followSeconds = 10;
const repeats = 3;
const mib = 2 ** 20;

/** Long tasks (PerformanceObserver 'longtask') summed from page start, read by `longTaskMs()`. */
const longTaskObserver = `
  window.__longTaskMs = 0;
  new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTaskMs += entry.duration; })
    .observe({ type: 'longtask', buffered: true });
`;

async function signedInContext(browser: TestBrowser, apiUrl: string, token: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const answer = await context.request.post(`${apiUrl}/api/v1/session`, { data: { token }, headers: { origin: apiUrl } });
  if (answer.status() !== 201) throw new Error(`Signing the bench's browser in answered ${answer.status()}: ${await answer.text()}`);
  await context.addInitScript(longTaskObserver);
  return context;
}

/** The page's used JS heap after a full garbage collection, in bytes. */
async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

/**
 * ms from navigation start until the row of line `seq`, loaded, lies wholly inside the scrolled
 * log, checked at every animation frame. In-page code as a string (the bench has no DOM types),
 * evaluated through the DevTools protocol: the console's CSP forbids the page's own eval, which
 * waitForFunction would need.
 */
async function untilLineOnScreen(page: Page, seq: number, timeoutMs = 60_000): Promise<number> {
  const lineOnScreen = `new Promise((resolve, reject) => {
    const deadline = performance.now() + ${timeoutMs};
    const check = () => {
      const table = document.querySelector('[role=table][aria-label="Log lines"]');
      const header = table && [...table.querySelectorAll('[role=rowheader]')].find((h) => h.textContent === '${seq}');
      const row = header && header.closest('[role=row]');
      if (row && !row.querySelector('.log-pending')) {
        const box = table.getBoundingClientRect();
        const rowBox = row.getBoundingClientRect();
        if (rowBox.top >= box.top - 1 && rowBox.bottom <= box.bottom + 1) return resolve(performance.now());
      }
      if (performance.now() > deadline) return reject(new Error('Line ${seq} was not on screen within ${timeoutMs} ms.'));
      requestAnimationFrame(check);
    };
    check();
  })`;
  return (await page.evaluate(lineOnScreen)) as number;
}

async function longTaskMs(page: Page): Promise<number> {
  return (await page.evaluate('window.__longTaskMs')) as number;
}

/** Copies `lines` lines of bulk.js into a finished throwaway execution, as psql \copy does. */
async function loadExecution(ctx: BenchContext, lines: number): Promise<string> {
  const id = await insertThrowawayExecution(ctx, 'console');
  const file = path.join(ctx.workDir, 'console.tsv');
  try {
    await writeCopyFile(ctx.scripts.bulk, lines, id, file);
    await runCommand('psql', [ctx.stack.databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy log_lines (execution_id, seq, stream, ts, text) from '${file}'`]);
  } finally {
    rmSync(file, { force: true });
  }
  await ctx.db.query('update executions set last_seq = $2 where id = $1', [id, lines]);
  // Without statistics after a bulk load the planner reads a page near the start of the log by
  // sorting every later line (~1.3 s a page here); autovacuum's analyze would fix it in time,
  // which a bench that loads and reads at once does not wait for.
  await ctx.db.query('analyze log_lines');
  return id;
}

function ensureConsoleBuilt(ctx: BenchContext): void {
  const root = path.resolve(__dirname, '..', '..');
  if (existsSync(path.join(root, 'web', 'dist', 'index.html'))) return;
  ctx.say('console: building the console (web/dist is missing)...');
  execFileSync('npm', ['run', 'build', '-w', 'web', '--silent'], { cwd: root, stdio: 'inherit' });
}

/**
 * Item 7: the console's log viewer in headless Chromium. A finished execution of 1,000,000
 * lines: time from navigation to its last line on screen and the page's JS heap, next to the
 * same browser fetching and holding `logs.txt`. Following a run that prints 10,000 lines/s:
 * the share of main-thread time in long tasks, next to a bare EventSource on the same stream.
 */
export async function benchConsole(ctx: BenchContext, out: ItemOutput): Promise<void> {
  ensureConsoleBuilt(ctx);
  await truncateLogLines(ctx.db);
  const apiUrl = ctx.stack.apiUrl;
  const viewer = dataOrThrow(await ctx.api.client.POST('/api/v1/tokens', { body: { name: `bench-console-${Date.now()}`, owner: 'bench', role: 'viewer' } }));
  ctx.say(`console: copying ${consoleLines} lines into a finished execution...`);
  const id = await loadExecution(ctx, consoleLines);
  const browser = await launchBrowser();
  try {
    const context = await signedInContext(browser, apiUrl, viewer.token);

    ctx.say('console: opening the execution page, last line on screen (3 runs)...');
    const tailMs: number[] = [];
    const viewerHeap: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await page.goto(`${apiUrl}/executions/${id}`, { waitUntil: 'commit' });
      tailMs.push(await untilLineOnScreen(page, consoleLines));
      const rows = await page.getByRole('table', { name: 'Log lines' }).getByRole('row').count();
      if (rows >= 500) throw new Error(`The log viewer kept ${rows} rows in the DOM.`);
      viewerHeap.push(await heapAfterGc(cdp));
      await page.close();
    }

    ctx.say('console: baseline, the same browser fetching and holding logs.txt (3 runs)...');
    const txtMs: number[] = [];
    const txtHeap: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      // A page of the API's own origin without the console's code: the JSON of /me.
      await page.goto(`${apiUrl}/api/v1/me`);
      const { ms, length } = (await page.evaluate(`(async () => {
        const t0 = performance.now();
        const text = await (await fetch('/api/v1/executions/${id}/logs.txt')).text();
        window.held = text.split('\\n');
        return { ms: performance.now() - t0, length: text.length };
      })()`)) as { ms: number; length: number };
      if (length < consoleLines * 80) throw new Error(`logs.txt held ${length} characters, fewer than ${consoleLines} lines of 80 bytes.`);
      txtMs.push(ms);
      txtHeap.push(await heapAfterGc(cdp));
      await page.close();
    }

    ctx.say(`console: following a run of ${latencyRate} lines/s for ${followSeconds} s in the console...`);
    const follow = await followInConsole(ctx, context, apiUrl);
    ctx.say(`console: baseline, a bare EventSource following a run of ${latencyRate} lines/s...`);
    const bare = await followWithEventSource(ctx, context, apiUrl);

    const tail = median(tailMs);
    const txt = median(txtMs);
    const heap = median(viewerHeap);
    const heldTxt = median(txtHeap);
    out.rows.push(
      {
        item: '7',
        figure: `console, ${consoleLines / 1e6} M lines: navigation → last line on screen, median of ${repeats}`,
        migrator: formatMs(tail),
        baseline: `logs.txt fetched by the same browser ${formatMs(txt)}`,
        ratio: formatRatio(tail / txt),
        target: '≤ 1.5 s',
        verdict: verdict(tail <= 1500),
      },
      {
        item: '7',
        figure: `console, ${consoleLines / 1e6} M lines: page JS heap after GC`,
        migrator: `${(heap / mib).toFixed(1)} MiB`,
        baseline: `logs.txt held as an array of lines ${(heldTxt / mib).toFixed(1)} MiB`,
        ratio: formatRatio(heap / heldTxt),
        target: '≤ 150 MB',
        verdict: verdict(heap <= 150e6),
      },
      {
        item: '7',
        figure: `console following ${latencyRate / 1000} k lines/s for ${followSeconds} s: main thread in long tasks`,
        migrator: `${(follow.share * 100).toFixed(1)} %`,
        baseline: `bare EventSource ${(bare.share * 100).toFixed(1)} %`,
        ratio: bare.share > 0 ? formatRatio(follow.share / bare.share) : 'n/a (baseline 0)',
        target: '≤ 10 %',
        verdict: verdict(follow.share <= 0.1),
      },
      {
        item: '7',
        figure: `console following ${latencyRate / 1000} k lines/s: page JS heap after GC at the end`,
        migrator: `${(follow.heap / mib).toFixed(1)} MiB`,
        baseline: `bare EventSource ${(bare.heap / mib).toFixed(1)} MiB`,
        ratio: formatRatio(follow.heap / bare.heap),
        target: '≤ 150 MB',
        verdict: verdict(follow.heap <= 150e6),
      },
    );
    out.notes.push(
      `Item 7: headless Debian Chromium (playwright-core), 1400×900 viewport, signed in with a viewer's session cookie. ` +
        `${consoleLines} lines of 80 B copied into a finished execution (psql \\copy, then ANALYZE). Navigation → last line on screen runs: ${tailMs.map(formatMs).join(', ')} ` +
        `(performance.now() of the first animation frame where the row of line ${consoleLines}, loaded, lies inside the log's box); ` +
        `JS heap after a forced GC (CDP Runtime.getHeapUsage): ${viewerHeap.map((b) => (b / mib).toFixed(1)).join(', ')} MiB. ` +
        `Baseline: fetch('logs.txt') and text() in a page of the same origin without the console (runs ${txtMs.map(formatMs).join(', ')}; ` +
        `heap holding it split into lines, the model of a viewer that loads the whole log (Chromium keeps the fetched text itself outside the JS heap) ${txtHeap.map((b) => (b / mib).toFixed(1)).join(', ')} MiB). ` +
        `Following: paced.js at ${latencyRate} lines/s for ${followSeconds} s, page opened right after the POST; long-task time (PerformanceObserver 'longtask') ` +
        `over the span from the page's start to the last line on screen (the end event for the baseline): console ${formatMs(follow.longTaskMs)} of ${formatMs(follow.spanMs)}; ` +
        `bare EventSource (counting log events in a page without the console) ${formatMs(bare.longTaskMs)} of ${formatMs(bare.spanMs)}.`,
    );
  } finally {
    await browser.close();
    await dropThrowawayExecution(ctx, id);
  }
}

interface Following {
  share: number;
  longTaskMs: number;
  spanMs: number;
  heap: number;
}

async function followInConsole(ctx: BenchContext, context: BrowserContext, apiUrl: string): Promise<Following> {
  const total = latencyRate * followSeconds;
  const run = await ctx.api.start(ctx.jobs.paced, ctx.environmentId, { linesPerSecond: latencyRate, seconds: followSeconds });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(`${apiUrl}/executions/${run}`, { waitUntil: 'commit' });
  const finished = ctx.api.waitSucceeded(run, total);
  const shownAt = await untilLineOnScreen(page, total, 120_000);
  await finished;
  const longTasks = await longTaskMs(page);
  const heap = await heapAfterGc(cdp);
  await page.close();
  return { share: longTasks / shownAt, longTaskMs: longTasks, spanMs: shownAt, heap };
}

async function followWithEventSource(ctx: BenchContext, context: BrowserContext, apiUrl: string): Promise<Following> {
  const total = latencyRate * followSeconds;
  const run = await ctx.api.start(ctx.jobs.paced, ctx.environmentId, { linesPerSecond: latencyRate, seconds: followSeconds });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(`${apiUrl}/api/v1/me`);
  const endedAt = (await page.evaluate(`new Promise((resolve, reject) => {
    let seen = 0;
    const source = new EventSource('/api/v1/executions/${run}/logs/stream');
    source.addEventListener('log', (event) => {
      seen++;
      window.last = JSON.parse(event.data);
    });
    source.addEventListener('end', () => {
      source.close();
      if (seen === ${total}) resolve(performance.now());
      else reject(new Error('The bare EventSource saw ' + seen + ' lines, expected ${total}.'));
    });
  })`)) as number;
  await ctx.api.waitSucceeded(run, total);
  const longTasks = await longTaskMs(page);
  const heap = await heapAfterGc(cdp);
  await page.close();
  return { share: longTasks / endedAt, longTaskMs: longTasks, spanMs: endedAt, heap };
}
