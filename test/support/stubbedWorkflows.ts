import { randomUUID } from 'node:crypto';

import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';

import { executionSearchAttributes, searchAttributeKeys } from '../../src/temporal/searchAttributes';
import { createMigrationWorker } from '../../src/worker/createWorker';
import type { ExecutionInput, ExecutionTuning, RunResult } from '../../src/workflows/types';
import { sharedServices } from './env';
import { StubSteps, type StubExecution } from './stubSteps';
import { bundleTestWorkflows, testDataConverter } from './temporalTest';

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let runtimeInstalled = false;

/**
 * Short intervals for workflow tests, since Temporal's time-skipping server cannot be had here:
 * whatever a test does not wait for is a minute away, so waiting for it would fail the test.
 */
export const testTuning: Required<ExecutionTuning> = {
  retryMaxAttempts: 2,
  retryMaxIntervalSeconds: 1,
  approvalPollSeconds: 60,
  queueBackstopSeconds: 60,
  runSegmentSeconds: 60,
  progressIntervalSeconds: 1,
  heartbeatTimeoutSeconds: 20,
  // Stubbed steps do not heartbeat; a test that simulates a lost delivery passes a short one.
  deliveryTimeoutSeconds: 60,
  continueAfterEvents: 10_000,
};

/** `migrationExecution`'s signature, by its types: tests start it by name, as the API does. */
type MigrationExecution = (input: ExecutionInput) => Promise<RunResult>;

export type ExecutionHandle = WorkflowHandleWithFirstExecutionRunId<MigrationExecution>;

/** The real `migrationExecution` on the shared dev server, its activities stubbed: one per test file. */
export interface StubbedWorkflows {
  steps: StubSteps;
  client: Client;
  start(execution: StubExecution, tuning?: ExecutionTuning): Promise<ExecutionHandle>;
  /** The run's MigrationStatus and MigrationErrorCode search attributes, from its mutable state. */
  statusOf(handle: ExecutionHandle): Promise<{ status: unknown; errorCode: unknown }>;
  stop(): Promise<void>;
}

export async function startStubbedWorkflows(): Promise<StubbedWorkflows> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: silent, telemetryOptions: { logging: { forward: {} } } });
    runtimeInstalled = true;
  }
  const { temporalAddress } = sharedServices();
  const taskQueue = `stubbed-${randomUUID()}`;
  const steps = new StubSteps();
  const connection = await Connection.connect({ address: temporalAddress });
  const dataConverter = testDataConverter();
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const workflowBundle = await bundleTestWorkflows();
  const worker: Worker = await createMigrationWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle,
    dataConverter,
    activities: steps.activities(),
  });
  const running = worker.run();

  return {
    steps,
    client,
    async start(execution, tuning = {}) {
      return client.workflow.start<MigrationExecution>('migrationExecution', {
        workflowId: `execution-${execution.id}`,
        taskQueue,
        args: [{ executionId: execution.id, tuning: { ...testTuning, ...tuning } }],
        // As the API starts them.
        typedSearchAttributes: executionSearchAttributes({
          job: execution.plan.jobName,
          source: 'stub-source',
          environment: execution.plan.environmentName,
          startedBy: execution.plan.startedBy,
          production: execution.plan.production,
          status: execution.plan.needsApproval ? 'awaiting_approval' : 'queued',
        }),
      });
    },
    async statusOf(handle) {
      const { typedSearchAttributes } = await handle.describe();
      return { status: typedSearchAttributes.get(searchAttributeKeys.status), errorCode: typedSearchAttributes.get(searchAttributeKeys.errorCode) };
    },
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}
