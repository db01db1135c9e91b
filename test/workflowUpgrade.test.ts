import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Histories recorded with `migrationExecution` as it was before it kept its status in search
 * attributes and continued as new (commit 2b958d5, activities stubbed): queued then woken,
 * approved, rejected, cancelled while running. Executions like these are open when workers are
 * upgraded; the current workflow must replay them exactly, or their workflow tasks would fail.
 * Stored as protobuf.js objects (`History.toObject` with longs, enums and bytes as strings).
 */
const fixtures = path.join(__dirname, 'fixtures', 'histories-before-status');

describe('replaying executions started before the upgrade', () => {
  let workflowBundle: WorkflowBundle;

  beforeAll(async () => {
    Runtime.install({ logger: silent, telemetryOptions: { logging: { forward: {} } } });
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: silent });
  });

  test.each(readdirSync(fixtures).filter((f) => f.endsWith('.json')))('when the history %s is replayed by the current workflow, then it matches', async (file) => {
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, history)).resolves.toBeUndefined();
  });
});
