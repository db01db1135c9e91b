import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';

import type { Activities } from '../activities';

export interface MigrationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build one per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
  /** Activities run at once (`WORKER_MAX_CONCURRENT_ACTIVITIES`); each running execution holds one. Temporal's default (100) when absent. */
  maxConcurrentActivities?: number;
  /**
   * Migrator's data converter (`dataConverterWith`), the same as its clients'. A prebuilt bundle
   * must have been built with its `failureConverterPath` (`bundleWorkflowsApart` does).
   */
  dataConverter: DataConverter;
}

/** The worker hosting `migrationExecution` and its activities. */
export function createMigrationWorker(options: MigrationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities } : {}),
    activities: options.activities,
    dataConverter: options.dataConverter,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // Cancellation reaches an activity only with a heartbeat answer: keep that path short.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
}
