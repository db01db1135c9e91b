import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Pool } from 'pg';

import type { Logger } from '../logger';
import type { LiveTails } from '../logs/liveTail';
import type { ExecutionTuning } from '../workflows/types';
import { authenticate } from './auth';
import { createApiMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { notFoundHandler, problemHandler } from './problem';
import { catalogRoutes } from './routes/catalog';
import { environmentCheckRoutes, type EnvironmentCheckSsh } from './routes/environmentCheck';
import { executionRoutes } from './routes/executions';
import { logStreamRoutes } from './routes/logStream';
import { tokenRoutes } from './routes/tokens';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  logger: Logger;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  /** This process's live log followers (one LISTEN connection); started and stopped by the caller. */
  liveTails: LiveTails;
  /** Seconds between SSE keep-alive comments. */
  sseKeepAliveSeconds?: number;
  /** What the environment check needs to connect: the key directory and the connect timeout. */
  ssh: EnvironmentCheckSsh;
  /** The retry budget each execution's workflow gets. */
  executionTuning?: ExecutionTuning;
}

/** The HTTP API as an express app; `startServer` listens with it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const metrics = createApiMetrics(deps.pool);
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

  const openApi = buildOpenApiDocument();
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  const api = express.Router();
  api.use(metrics.markRouter);
  api.use(authenticate(deps.pool));
  api.use(express.json({ limit: '256kb', strict: true, type: () => true }));
  api.use(catalogRoutes(deps.pool));
  api.use(environmentCheckRoutes(deps.pool, deps.ssh));
  api.use(executionRoutes(deps));
  api.use(
    logStreamRoutes({ pool: deps.pool, liveTails: deps.liveTails, keepAliveSeconds: deps.sseKeepAliveSeconds, clients: metrics.sseClients }),
  );
  api.use(tokenRoutes(deps.pool));
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
