import { startPrivatePostgres, type PrivatePostgres } from '../scripts/lib/privatePostgres';
import { countingLines, expectExactlyOnce, linesBeforeRelease, runScriptAttempt, startCountingRun } from './support/countingRun';
import { startHarness, type Harness } from './support/harness';

async function serverStartTime(h: Harness): Promise<number> {
  const { rows } = await h.pool.query('select extract(epoch from pg_postmaster_start_time()) as t');
  return Number(rows[0].t);
}

describe('PostgreSQL restarts mid-run', () => {
  let pg: PrivatePostgres;
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    // Its own PostgreSQL server, so restarting it disturbs no other test file.
    pg = await startPrivatePostgres();
    h = await startHarness({ adminUrl: pg.adminUrl });
    environmentId = (await h.createEnvironment()).id;
  });
  afterAll(async () => {
    await h?.stop();
    pg?.stop();
  });

  test('when PostgreSQL restarts while a script prints, then nothing is lost, nothing is stored twice, and the script started once', async () => {
    const { id, starts, release } = await startCountingRun(h, environmentId, 'pgrestart');
    await h.waitForExecution(id, (e) => e.lineCount >= linesBeforeRelease, 60_000);
    const bootedBefore = await serverStartTime(h);

    pg.restart();
    // The restart really happened while the script was printing.
    const running = (await h.request('GET', `/api/v1/executions/${id}`)).body;
    expect(running.lineCount).toBeLessThan(countingLines);
    expect(await serverStartTime(h)).toBeGreaterThan(bootedBefore);
    release();

    await expectExactlyOnce(h, id, starts);
    // A flush in flight fails the attempt (then attempt 2 re-attaches); a restart between flushes
    // is absorbed by the pool. Either way at most a handful of attempts.
    expect(await runScriptAttempt(h, id)).toBeLessThanOrEqual(3);
  }, 120_000);
});
