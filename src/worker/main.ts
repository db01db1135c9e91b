import { NativeConnection, Runtime } from '@temporalio/worker';

import { createActivities } from '../activities';
import { loadConfig } from '../config';
import { runMigrations } from '../db/migrate';
import { createPool } from '../db/pool';
import { ExecutionReconciler } from '../executions/reconciler';
import { coerceError } from '../errors';
import { createLogger } from '../logger';
import { SecretBox } from '../notifications/secretBox';
import { notificationSettingsFrom } from '../notifications/settings';
import { SshPool } from '../ssh/sshPool';
import { connectTemporalClient } from '../temporal/client';
import { dataConverterFor } from '../temporal/dataConverter';
import { reconcileSchedules } from '../schedules/reconcile';
import { ensureRetentionSchedule } from '../temporal/retentionSchedule';
import { createMigrationWorker } from './createWorker';
import { warnAboutEnvironmentsBreakingKeyRules } from './keyRuleAudit';
import { bundleWorkflowsApart } from './workflowBundle';

async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  // Before anything else: a worker without the keys must not start.
  const dataConverter = dataConverterFor(config);
  if (config.MIGRATOR_PAYLOAD_ENCRYPTION === 'off') logger.warn('MIGRATOR_PAYLOAD_ENCRYPTION=off: params, reasons and failure messages go to Temporal in plain text.');
  await runMigrations(config.DATABASE_URL, logger);
  if (config.WORKER_METRICS_ADDRESS) {
    // Before the first connection: the runtime is created with it.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } });
    logger.info({ address: config.WORKER_METRICS_ADDRESS }, 'worker metrics for Prometheus');
  }
  const pool = createPool(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = await connectTemporalClient(config, dataConverter);
  const ssh = new SshPool({
    maxSessionsPerConnection: config.SSH_MAX_SESSIONS,
    keyDir: config.SSH_KEY_DIR,
    connectTimeoutMs: config.SSH_CONNECT_TIMEOUT_SECONDS * 1000,
  });
  await warnAboutEnvironmentsBreakingKeyRules(pool, config.SSH_KEY_DIR, logger).catch((err: unknown) => {
    // A warning that could not be given must not keep the worker from running migrations.
    logger.error({ err: coerceError(err) }, 'Could not check the environments against the SSH key rules; continuing.');
  });
  const notifications = notificationSettingsFrom(config, SecretBox.fromSettings(config));
  const bundle = await bundleWorkflowsApart();
  try {
    const worker = await createMigrationWorker({
      workflowBundle: { codePath: bundle.codePath },
      dataConverter,
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      activities: createActivities({ pool, logger, temporal, ssh, killGraceSeconds: config.KILL_GRACE_SECONDS, notifications }),
    });
    try {
      await ensureRetentionSchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, retentionDays: config.LOG_RETENTION_DAYS });
    } catch (err) {
      // Running migrations matters more than cleaning up after them; the next worker start tries again.
      logger.error({ err }, 'Could not create or update the log retention schedule; logs are not cleaned up until a worker starts that can.');
    }
    try {
      await reconcileSchedules({ pool, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger, notifications });
    } catch (err) {
      logger.error({ err }, 'Could not reconcile the schedules with Temporal; the next worker start tries again.');
    }
    const reconciler = new ExecutionReconciler({ pool, temporal, ssh, logger, killGraceSeconds: config.KILL_GRACE_SECONDS, notifications }).start(
      config.RECONCILE_INTERVAL_SECONDS * 1000,
    );
    logger.info(
      { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS, identity: worker.options.identity, maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES },
      'worker started',
    );
    // Worker.run() shuts down gracefully on SIGINT/SIGTERM; running scripts are left running
    // on their hosts and re-attached by the next worker.
    try {
      await worker.run();
    } finally {
      await reconciler.stop();
    }
    logger.info('worker stopped');
  } finally {
    await bundle.cleanup();
    ssh.close();
    await temporal.connection.close();
    await connection.close();
    await pool.end();
  }
}

run().catch((err: unknown) => {
  console.error('The worker stopped on an error:', err);
  process.exit(1);
});
