import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import express, { type Express } from 'express';
import type { Pool } from 'pg';

import { maxParameters, maxParamLength } from '../jobs/parameters';
import type { Logger } from '../logger';
import type { LiveTails } from '../logs/liveTail';
import type { NotificationSettings } from '../notifications/settings';
import type { ExecutionTuning } from '../workflows/types';
import { authenticate } from './auth';
import { consoleRoutes } from './console';
import { createApiMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { notFoundHandler, problemHandler } from './problem';
import { mountReferencePage } from './referencePage';
import { catalogRoutes } from './routes/catalog';
import { codecRoutes } from './routes/codec';
import { environmentCheckRoutes } from './routes/environmentCheck';
import { executionRoutes } from './routes/executions';
import { jobToolRoutes } from './routes/jobTools';
import { logStreamRoutes } from './routes/logStream';
import { notificationRoutes } from './routes/notifications';
import { scheduleRoutes } from './routes/schedules';
import { sessionRoutes, signInRoutes } from './routes/session';
import { statusStreamRoutes } from './routes/statusStream';
import { tokenRoutes } from './routes/tokens';

/**
 * A start carries every parameter a job may have, each up to 6 JSON bytes a character
 * (`\u001f`), so it may be larger than any other body; the margin is the rest of the body.
 */
const executionStartBodyLimit = maxParameters * maxParamLength * 6 + 64 * 1024;

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  logger: Logger;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  /**
   * The codec of the API's Temporal client, served at `/codec` for the Temporal UI and the CLI;
   * undefined when encryption is off (the endpoint then passes payloads through).
   */
  payloadCodec?: PayloadCodec;
  /** More browser origins allowed to call `/codec` with the console's cookie (the Temporal UI's is always). */
  codecOrigins?: string[];
  /** This process's live log followers (one LISTEN connection); started and stopped by the caller. */
  liveTails: LiveTails;
  /** Seconds between SSE keep-alive comments. */
  sseKeepAliveSeconds?: number;
  /** Seconds between checks that an SSE stream's token is still valid (default 15). */
  sseTokenRecheckSeconds?: number;
  /** How old `/metrics` may serve the counts of finished executions (default 60 s). */
  executionCountsMaxAgeSeconds?: number;
  /** How long an environment check waits for a worker's answer (30 s by default); the API itself never opens SSH. */
  environmentCheckTimeoutMs?: number;
  /** The retry budget each execution's workflow gets. */
  executionTuning?: ExecutionTuning;
  /** How long a start waits for Temporal to accept the workflow (10 s by default). */
  workflowStartTimeoutMs?: number;
  /** Where people reach the API and the console (`MIGRATOR_PUBLIC_URL`): cookie writes must come from its origin. */
  publicUrl?: string;
  /** A console session not used for this long ends (12 hours by default). */
  sessionIdleSeconds?: number;
  /** Webhook targets: sealing their secrets, checking their URLs, sending test events. */
  notifications?: NotificationSettings;
  /** The built console (web/dist by default). */
  consoleDir?: string;
}

/** The HTTP API as an express app; `startServer` listens with it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Every answer, logs.txt above all (it holds whatever scripts print): browsers must not guess HTML.
  app.use((_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    next();
  });
  const metrics = createApiMetrics(deps.pool, { executionCountsMaxAgeSeconds: deps.executionCountsMaxAgeSeconds });
  app.use(metrics.middleware);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      deps.pool.query('select 1'),
      deps.temporal.workflowService.getSystemInfo({}),
    ]);
    const [postgres, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    res.status(checks.every((c) => c.status === 'fulfilled') ? 200 : 503).json({ postgres, temporal });
  });

  const smallBody = express.json({ limit: '256kb', strict: true, type: () => true });
  const openApi = buildOpenApiDocument();
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  mountReferencePage(app);

  const sessions = {
    pool: deps.pool,
    publicOrigin: new URL(deps.publicUrl ?? 'http://127.0.0.1:8080').origin,
    sessionIdleSeconds: deps.sessionIdleSeconds ?? 12 * 3600,
  };
  // Temporal's remote codec protocol, outside /api/v1: the Temporal UI calls it from its own origin.
  app.use(
    '/codec',
    codecRoutes({
      pool: deps.pool,
      logger: deps.logger,
      codec: deps.payloadCodec,
      namespace: deps.namespace,
      allowedOrigins: [new URL(deps.temporalUiUrl).origin, ...(deps.codecOrigins ?? [])],
      publicOrigin: sessions.publicOrigin,
    }),
  );

  const signIn = express.Router();
  signIn.use(metrics.markRouter);
  signIn.use((req, res, next) => (req.method === 'POST' && req.path === '/session' ? smallBody(req, res, next) : next()));
  signIn.use(signInRoutes(sessions));
  app.use('/api/v1', signIn);

  const api = express.Router();
  api.use(metrics.markRouter);
  api.use(authenticate(deps.pool, { publicOrigin: sessions.publicOrigin }));
  const startBody = express.json({ limit: executionStartBodyLimit, strict: true, type: () => true });
  api.use((req, res, next) => (req.method === 'POST' && req.path === '/executions' ? startBody(req, res, next) : next()));
  api.use(smallBody);
  api.use(sessionRoutes(sessions));
  api.use(catalogRoutes(deps.pool));
  api.use(jobToolRoutes(deps.pool));
  api.use(environmentCheckRoutes({ pool: deps.pool, temporal: deps.temporal, taskQueue: deps.taskQueue, timeoutMs: deps.environmentCheckTimeoutMs }));
  // Before /executions/:id, which would take `events` for an id.
  api.use(
    statusStreamRoutes({ pool: deps.pool, liveTails: deps.liveTails, keepAliveSeconds: deps.sseKeepAliveSeconds, tokenRecheckSeconds: deps.sseTokenRecheckSeconds }),
  );
  api.use(executionRoutes(deps));
  api.use(
    logStreamRoutes({
      pool: deps.pool,
      liveTails: deps.liveTails,
      keepAliveSeconds: deps.sseKeepAliveSeconds,
      tokenRecheckSeconds: deps.sseTokenRecheckSeconds,
      clients: metrics.sseClients,
    }),
  );
  api.use(scheduleRoutes(deps));
  api.use(tokenRoutes(deps.pool));
  api.use(notificationRoutes({ pool: deps.pool, temporal: deps.temporal, settings: deps.notifications }));
  app.use('/api/v1', api);

  app.use(consoleRoutes(deps.consoleDir));

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
