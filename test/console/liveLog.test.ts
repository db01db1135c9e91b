import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { Locator, Page } from 'playwright-core';

import { launchBrowser, recordConsole, withEvidence, type TestBrowser } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';
import { startOwnApi, type OwnApi } from '../support/ownApi';

describe('console: the live log of an execution', () => {
  let h: Harness;
  let browser: TestBrowser;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness();
    browser = await launchBrowser();
    environmentId = (await h.createEnvironment()).id;
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function signedIn(url: string): Promise<{ page: Page; log: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const log = recordConsole(page);
    const viewer = await h.createToken('viewer');
    await page.goto(`${url}/sign-in`);
    await page.getByLabel('API token').fill(viewer.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    return { page, log };
  }

  const logLines = (page: Page): Locator => page.getByRole('table', { name: 'Log lines' });
  /** The row a person finds by its line number. */
  const lineRow = (page: Page, seq: number): Locator =>
    logLines(page)
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: String(seq), exact: true }) });

  /** Whether the whole of `row` is inside the scrolled log's visible box. */
  async function onScreen(page: Page, row: Locator): Promise<boolean> {
    const [box, rowBox] = await Promise.all([logLines(page).boundingBox(), row.boundingBox()]);
    return !!box && !!rowBox && rowBox.y >= box.y - 1 && rowBox.y + rowBox.height <= box.y + box.height + 1;
  }

  async function waitOnScreen(page: Page, row: Locator, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await row.waitFor({ timeout: timeoutMs });
    while (!(await onScreen(page, row))) {
      if (Date.now() > deadline) throw new Error('The row is in the page but not on screen.');
      await page.waitForTimeout(50);
    }
  }

  /** Waits until the log counts at least `lines` lines (its table's aria-rowcount). */
  async function waitForLineCount(page: Page, lines: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Number(await logLines(page).getAttribute('aria-rowcount')) < lines) {
      if (Date.now() > deadline) throw new Error(`The log did not reach ${lines} lines in time.`);
      await page.waitForTimeout(50);
    }
  }

  /** The rows in the DOM now, as line number and shown text. */
  async function renderedRows(page: Page): Promise<{ seq: number; stream: string; text: string }[]> {
    return logLines(page)
      .getByRole('row')
      .evaluateAll((rows) =>
        rows.map((row) => ({
          seq: Number(row.querySelector('[role=rowheader]')?.textContent),
          stream: row.querySelectorAll('[role=cell]')[0]?.textContent ?? '',
          text: row.querySelectorAll('[role=cell]')[1]?.textContent ?? '',
        })),
      );
  }

  test('when an execution has 1,000,000 lines, then its page opens at the last line, Home scrolls to the first, the position slider pages through the whole log, and fewer than 500 rows are ever in the DOM', async () => {
    const total = 1_000_000;
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, finished_at, last_seq)
       values ($1, $2, $3, '{}', 'tester', $4, 'succeeded', now(), $5)`,
      [id, job.id, environmentId, `execution-${id}`, total],
    );
    // Line 1 is coloured by terminal escapes, which the page must not show raw.
    await h.pool.query(
      `insert into log_lines (execution_id, seq, stream, ts, text)
       select $1, n, case when n % 10 = 0 then 'stderr' else 'stdout' end, now(),
              case when n = 1 then E'\\x1b[1;32mline 1\\x1b[0m' else 'line ' || n end
         from generate_series(1, $2::integer) n`,
      [id, total],
    );

    const { page, log } = await signedIn(h.url);
    await withEvidence('live-log-million', page, log, async () => {
      await page.goto(`${h.url}/executions/${id}`);
      await page.getByRole('status').filter({ hasText: 'The log is complete (succeeded)' }).waitFor();
      await waitOnScreen(page, lineRow(page, total));
      expect(await lineRow(page, total).getByRole('cell').last().textContent()).toBe(`line ${total}`);
      expect(await lineRow(page, total).getByRole('cell').first().textContent()).toBe('stderr');
      expect(await logLines(page).getAttribute('aria-rowcount')).toBe(String(total));
      expect(await logLines(page).getByRole('row').count()).toBeLessThan(500);

      await logLines(page).focus();
      await page.keyboard.press('Home');
      await waitOnScreen(page, lineRow(page, 1));
      await lineRow(page, 1).getByRole('cell').last().filter({ hasText: /^line 1$/ }).waitFor();
      expect(await logLines(page).getByRole('row').count()).toBeLessThan(500);
      const rows = await renderedRows(page);
      expect(rows[0]).toEqual({ seq: 1, stream: '', text: 'line 1' });
      expect(rows.map((r) => r.text).join('\n')).not.toContain('\x1b');

      // Past 200,000 lines the scrollbar spans a window; the position slider spans the whole log.
      const position = page.getByRole('slider', { name: 'Position in log' });
      await position.focus();
      await page.keyboard.press('PageUp');
      // The slider is controlled by the page: its value follows once the page has rendered the move.
      let landed = Number(await position.inputValue());
      for (const deadline = Date.now() + 5_000; landed <= 1 && Date.now() < deadline; landed = Number(await position.inputValue())) {
        await page.waitForTimeout(100);
      }
      expect(landed).toBeGreaterThan(50_000);
      await waitOnScreen(page, lineRow(page, landed));
      await lineRow(page, landed).getByRole('cell').last().filter({ hasText: `line ${landed}` }).waitFor();
      expect(await position.getAttribute('aria-valuetext')).toBe(`line ${landed.toLocaleString('en')} of 1,000,000`);
      expect(await logLines(page).getByRole('row').count()).toBeLessThan(500);

      await page.getByRole('button', { name: 'Jump to the end' }).click();
      await waitOnScreen(page, lineRow(page, total));
      expect(await logLines(page).getByRole('row').count()).toBeLessThan(500);
    });
  });

  test('when the operator scrolls up, links a line or finds text, then earlier pages load, following stops until "Jump to the end", and the line is shown and marked', async () => {
    const total = 5000;
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, finished_at, last_seq)
       values ($1, $2, $3, '{}', 'tester', $4, 'succeeded', now(), $5)`,
      [id, job.id, environmentId, `execution-${id}`, total],
    );
    await h.pool.query(
      `insert into log_lines (execution_id, seq, stream, ts, text)
       select $1, n, case when n % 7 = 0 then 'stderr' else 'stdout' end, now(),
              case when n = 4990 then 'needle <b>not bold</b>' else 'line ' || n end
         from generate_series(1, $2::integer) n`,
      [id, total],
    );

    const { page, log } = await signedIn(h.url);
    await withEvidence('live-log-navigation', page, log, async () => {
      await page.goto(`${h.url}/executions/${id}`);
      await waitOnScreen(page, lineRow(page, total));
      expect(await page.getByRole('button', { name: 'Jump to the end' }).count()).toBe(0);

      // Up past the 1,000 lines of the tail: the page above is loaded as it comes into view.
      const box = (await logLines(page).boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -20 * 1500);
      await page.getByRole('button', { name: 'Jump to the end' }).waitFor();
      const shown = (await renderedRows(page)).filter((r) => r.seq < 4000);
      expect(shown.length).toBeGreaterThan(0);
      await lineRow(page, shown[0]!.seq).getByRole('cell').last().filter({ hasText: `line ${shown[0]!.seq}` }).waitFor();
      await page.getByRole('button', { name: 'Jump to the end' }).click();
      await waitOnScreen(page, lineRow(page, total));
      await page.getByRole('button', { name: 'Jump to the end' }).waitFor({ state: 'detached' });

      // A link to one line.
      await page.goto(`${h.url}/executions/${id}#L1234`);
      await waitOnScreen(page, lineRow(page, 1234));
      expect(await lineRow(page, 1234).getAttribute('aria-current')).toBe('true');
      await lineRow(page, 1234).getByRole('cell').last().filter({ hasText: 'line 1234' }).waitFor();

      // Finding text in what is loaded; markup in a line is text, never HTML.
      await page.getByLabel('Find in loaded lines').fill('NEEDLE');
      await page.getByRole('status').filter({ hasText: '1 match in the loaded lines' }).waitFor();
      await page.getByRole('button', { name: 'Next match' }).click();
      await waitOnScreen(page, lineRow(page, 4990));
      await page.getByRole('status').filter({ hasText: 'Match 1 of 1' }).waitFor();
      expect(await lineRow(page, 4990).getAttribute('aria-current')).toBe('true');
      expect(await lineRow(page, 4990).getByRole('cell').last().textContent()).toBe('needle <b>not bold</b>');
      expect(await lineRow(page, 4990).locator('b').count()).toBe(0);

      // axe-core, evaluated through the DevTools protocol (the console's CSP refuses inline scripts).
      await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
      const violations = (await page.evaluate(
        `axe.run(document.querySelector('.log-viewer')).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.help + ' ' + v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')))`,
      )) as string[];
      expect(violations).toEqual([]);
    });
  });

  test('when the API restarts while a run prints, then the log says the connection was lost, resumes, and shows every line once', async () => {
    const total = 3000;
    // 20 lines every 50 ms (6 s in all); every 100th goes to stderr.
    const script = h.writeScript(
      'steady.js',
      `let i = 0; const t = setInterval(() => { for (let k = 0; k < 20; k++) { i++; (i % 100 === 0 ? process.stderr : process.stdout).write('line ' + i + '\\n'); } if (i >= ${total}) clearInterval(t); }, 50);`,
    );
    const job = await h.createJob({ scriptPath: script });
    let api: OwnApi = await startOwnApi(h);
    const port = Number(new URL(api.url).port);
    const { page, log } = await signedIn(api.url);
    try {
      await withEvidence('live-log-restart', page, log, async () => {
        const started = await h.client.POST('/api/v1/executions', { body: { jobId: job.id, environmentId, params: {} } });
        const id = started.data!.id;
        const streamResumedAfter: number[] = [];
        const pagesAsked: string[] = [];
        page.on('request', (request) => {
          const url = new URL(request.url());
          if (url.pathname.endsWith('/logs/stream')) streamResumedAfter.push(Number(request.headers()['last-event-id'] ?? 0));
          else if (url.pathname.endsWith('/logs')) pagesAsked.push(url.search);
        });
        await page.goto(`${api.url}/executions/${id}`);
        await page.getByRole('status').filter({ hasText: 'Following the live log' }).waitFor();
        await waitForLineCount(page, 200);

        await api.stop();
        await page.getByRole('status').filter({ hasText: 'Connection lost' }).waitFor();
        const shownBeforeRestart = Number(await logLines(page).getAttribute('aria-rowcount'));
        expect(shownBeforeRestart).toBeLessThan(total);
        await page.waitForTimeout(1000);
        api = await startOwnApi(h, {}, port);

        await page.getByRole('status').filter({ hasText: 'The log is complete (succeeded)' }).waitFor({ timeout: 30_000 });
        await waitOnScreen(page, lineRow(page, total));
        expect(await logLines(page).getAttribute('aria-rowcount')).toBe(String(total));

        // Read the whole log back as a person would, from the top, a wheel turn at a time.
        await logLines(page).focus();
        await page.keyboard.press('Home');
        await waitOnScreen(page, lineRow(page, 1));
        const seen = new Map<number, { stream: string; text: string }>();
        const box = (await logLines(page).boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        for (let step = 0; step < 400 && !seen.has(total); step++) {
          const rows = await renderedRows(page);
          expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length);
          for (const row of rows) if (row.text !== '…') seen.set(row.seq, { stream: row.stream, text: row.text });
          await page.mouse.wheel(0, 400);
          await page.waitForTimeout(30);
        }
        const seqs = [...seen.keys()].sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        // stdout and stderr are two files on the host, so their lines interleave by arrival:
        // each printed line is shown once, under one seq, with its stream.
        // The lines came from the tail page and the stream, resumed after the last line received.
        expect(pagesAsked).toEqual([`?tail=1000`]);
        expect(streamResumedAfter.length).toBeGreaterThanOrEqual(2);
        expect(streamResumedAfter.at(-1)).toBeGreaterThanOrEqual(shownBeforeRestart);
        expect(streamResumedAfter).toEqual([...streamResumedAfter].sort((a, b) => a - b));
        const printed = new Map([...seen.values()].map((line) => [Number(line.text.replace('line ', '')), line.stream]));
        expect(printed.size).toBe(total);
        for (let n = 1; n <= total; n++) expect(printed.get(n)).toBe(n % 100 === 0 ? 'stderr' : '');
      });
    } finally {
      await api.stop();
    }
  });
});
