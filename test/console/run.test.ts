import { withEvidence } from '../support/browser';
import { consoleWorld, eventually, signedInPage } from '../support/consoleWorld';

describe('console: running a job from its generated form', () => {
  const world = consoleWorld();

  test('when an operator picks the environment in the header and runs a job, then a bad value is refused at its field by the page and, with that check bypassed, by the server; a good run lands on its execution, its bar moves, it ends succeeded without a reload, and Re-run opens the form with its values', async () => {
    const { h, browser } = world;
    const env = await h.createEnvironment();
    const script = h.writeScript(
      'counting.js',
      [
        'const [mode, batch] = process.argv.slice(2);',
        'console.log(`mode=${mode} batch=${batch}`);',
        'let i = 0;',
        'const timer = setInterval(() => {',
        '  i += 1;',
        '  console.log(`::progress ${i}/4`);',
        '  if (i === 4) clearInterval(timer);',
        '}, 600);',
      ].join('\n'),
    );
    const job = await h.createJob({
      scriptPath: script,
      parameters: [
        { name: 'mode', type: 'enum', values: ['dry-run', 'apply'] },
        { name: 'batchSize', type: 'integer', min: 1, max: 100 },
        { name: 'note', type: 'string', required: false },
      ],
    });
    const operator = await h.createToken('operator', 'olga-laptop', 'olga');
    const { page: p, log } = await signedInPage(browser, h.url, operator.token);

    await withEvidence('run-from-form', p, log, async () => {
      await p.getByLabel('Current environment').selectOption({ label: env.name });
      await p.waitForURL((u) => u.searchParams.get('environmentId') === env.id);
      await p.getByRole('link', { name: 'Run a job', exact: true }).click();
      await p.getByRole('heading', { name: 'Run a job' }).waitFor();
      expect(await p.getByLabel('Environment', { exact: true }).inputValue()).toBe(env.id);
      await p.getByLabel('Job', { exact: true }).selectOption({ label: job.name });

      // The fields come in the job's order, typed.
      await p.getByLabel('note (optional)').waitFor();
      const fields = p.getByRole('group', { name: 'Parameters' }).locator('input, select');
      expect(await fields.evaluateAll((els) => els.map((e) => e.id))).toEqual(['param-mode', 'param-batchSize', 'param-note']);
      await p.getByLabel('mode').selectOption('apply');
      await p.getByLabel('batchSize').fill('500');
      await p.getByText('batchSize: must be at most 100').waitFor();
      await p.getByRole('button', { name: 'Run' }).click();
      expect(new URL(p.url()).pathname).toBe('/run');
      expect(await p.getByLabel('batchSize').getAttribute('aria-invalid')).toBe('true');

      // The page's check bypassed: it is handed a schema without the limit; the server still refuses.
      await p.route('**/params-schema', async (route) => {
        const response = await route.fetch();
        const schema = (await response.json()) as { properties: Record<string, Record<string, unknown>> };
        delete schema.properties.batchSize!.maximum;
        await route.fulfill({ response, json: schema });
      });
      await p.reload();
      await p.getByLabel('mode').selectOption('apply');
      await p.getByLabel('batchSize').fill('500');
      expect(await p.getByLabel('batchSize').getAttribute('aria-invalid')).toBeNull();
      await p.getByRole('button', { name: 'Run' }).click();
      const serverError = p.locator('#param-batchSize-error');
      await serverError.waitFor();
      expect(await serverError.textContent()).toMatch(/^batchSize: .*100/);
      expect(await p.getByLabel('batchSize').getAttribute('aria-describedby')).toContain('param-batchSize-error');
      expect(new URL(p.url()).pathname).toBe('/run');
      await p.unroute('**/params-schema');

      await p.getByLabel('batchSize').fill('50');
      const args = p.getByRole('list', { name: 'Arguments in order' }).getByRole('listitem');
      await args.nth(1).waitFor();
      expect(await args.allTextContents()).toEqual(['apply', '50']);
      await p.getByRole('button', { name: 'Run' }).click();
      await p.waitForURL(/\/executions\/[0-9a-f-]+$/);
      // A mark on this document: it is still there at the end only if the page never reloaded.
      await p.evaluate('globalThis.stayed = true');
      const id = new URL(p.url()).pathname.split('/').pop()!;
      await p.getByRole('heading', { name: `${job.name} on ${env.name}` }).waitFor();

      // The bar moves while it runs (the status feed's progress events), before it ends.
      const bar = p.getByRole('progressbar', { name: 'Progress' });
      const seen = new Set<string>();
      await eventually(async () => {
        seen.add((await bar.getAttribute('value', { timeout: 100 }).catch(() => null)) ?? 'none');
        return seen.has('100');
      }, 'the progress bar reaches 100');
      expect([...seen].filter((v) => ['25', '50', '75'].includes(v))).not.toEqual([]);
      const status = p.getByRole('status', { name: 'Execution status' });
      await status.filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      expect(await p.evaluate('globalThis.stayed')).toBe(true);
      expect(await p.getByRole('progressbar', { name: 'Progress' }).getAttribute('value')).toBe('100');
      const stored = await h.waitForExecution(id, (e) => e.status === 'succeeded');
      expect(stored).toMatchObject({ params: { mode: 'apply', batchSize: 50 }, startedBy: 'olga' });
      // The line count in the execution's facts (the log's line numbers are links of their own).
      await p.getByRole('definition').filter({ hasText: new RegExp(`^${stored.progress.lines}$`) }).waitFor();

      // Re-run opens the form again with this run's job, environment and values.
      await p.getByRole('button', { name: 'Re-run…' }).click();
      await p.getByRole('heading', { name: 'Re-run a job' }).waitFor();
      expect(await p.getByLabel('Job', { exact: true }).inputValue()).toBe(job.id);
      expect(await p.getByLabel('Environment', { exact: true }).inputValue()).toBe(env.id);
      await eventually(async () => (await p.getByLabel('batchSize').inputValue()) === '50', 'the earlier values are filled in');
      expect(await p.getByLabel('mode').inputValue()).toBe('apply');
    });
  });
});
