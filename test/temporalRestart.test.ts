import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startDevServer, type DevServer } from '../scripts/lib/temporalDevServer';
import { countingLines, expectExactlyOnce, linesBeforeRelease, startCountingRun } from './support/countingRun';
import { startHarness, type Harness } from './support/harness';

describe('the Temporal server restarts mid-run', () => {
  let dir: string;
  let server: DevServer;
  let port: number;
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    // Its own dev server with a database file, so it can be restarted with its history intact.
    dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-temporal-'));
    server = await startDevServer({ dbFilename: path.join(dir, 'temporal.db') });
    port = Number(server.address.split(':')[1]);
    h = await startHarness({ temporalAddress: server.address });
    environmentId = (await h.createEnvironment()).id;
  }, 90_000);
  afterAll(async () => {
    await h?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when the Temporal server stops and starts again on the same database while a script prints, then the execution completes exactly once', async () => {
    const { id, starts, release } = await startCountingRun(h, environmentId, 'temporalrestart');
    const parked = await h.waitForExecution(id, (e) => e.lineCount >= linesBeforeRelease, 60_000);
    // The run is live and parked mid-way when the server goes down.
    expect(parked).toMatchObject({ status: 'running', lineCount: linesBeforeRelease });

    await server.stop();
    // The script goes on while the server is down; the worker keeps storing its lines.
    release();
    server = await startDevServer({ dbFilename: path.join(dir, 'temporal.db'), port });

    await expectExactlyOnce(h, id, starts);
    // The outcome is in the database a moment before the workflow itself completes: wait for it.
    const result = await h.temporal.workflow.getHandle(`execution-${id}`).result();
    expect(result).toEqual({ exitCode: 0, lineCount: countingLines });
  }, 150_000);
});
