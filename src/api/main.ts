import { loadConfig } from '../config';
import { runMigrations } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { LiveTails } from '../logs/liveTail';
import { SecretBox } from '../notifications/secretBox';
import { notificationSettingsFrom } from '../notifications/settings';
import { connectTemporalClient } from '../temporal/client';
import { dataConverterWith, payloadCodecFor } from '../temporal/dataConverter';
import { createApp } from './app';
import { seedAdminToken } from './auth';
import { startServer } from './server';

async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  // Before anything else: an API without the keys must not start.
  const payloadCodec = payloadCodecFor(config);
  if (!payloadCodec) logger.warn('MIGRATOR_PAYLOAD_ENCRYPTION=off: params, reasons and failure messages go to Temporal in plain text.');
  await runMigrations(config.DATABASE_URL, logger);
  const pool = createPool(config.DATABASE_URL);
  if (config.MIGRATOR_ADMIN_TOKEN) await seedAdminToken(pool, config.MIGRATOR_ADMIN_TOKEN);
  else logger.warn('MIGRATOR_ADMIN_TOKEN is not set: no admin token was seeded, so only existing tokens work.');
  const temporal = await connectTemporalClient(config, dataConverterWith(payloadCodec));
  const liveTails = new LiveTails(pool, config.DATABASE_URL, logger);
  await liveTails.start();
  const app = createApp({
    liveTails,
    pool,
    temporal,
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    payloadCodec,
    publicUrl: config.MIGRATOR_PUBLIC_URL || `http://127.0.0.1:${config.PORT}`,
    sessionIdleSeconds: Math.round(config.SESSION_IDLE_HOURS * 3600),
    notifications: notificationSettingsFrom(config, SecretBox.fromSettings(config)),
    executionTuning: {
      retryMaxAttempts: config.ACTIVITY_RETRY_MAX_ATTEMPTS,
      retryMaxIntervalSeconds: config.ACTIVITY_RETRY_MAX_INTERVAL_SECONDS,
    },
  });
  const server = await startServer(app, config.PORT);
  logger.info({ url: server.url }, 'api listening');

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'api stopping');
    await server.stop();
    await liveTails.stop();
    await temporal.connection.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

run().catch((err: unknown) => {
  console.error('The API stopped on an error:', err);
  process.exit(1);
});
