import { createServer, type Server } from 'node:http';

import { freePort } from '../../scripts/lib/loopbackSshd';
import { createApp, type AppDeps } from '../../src/api/app';
import { createLogger } from '../../src/logger';
import { LiveTails } from '../../src/logs/liveTail';
import type { Harness } from './harness';

/** An API process of the test's own, beside the harness's: same database and Temporal, its own options. */
export interface OwnApi {
  url: string;
  /** The origin the console's cookie writes must come from. */
  publicOrigin: string;
  /** The HTTP server, so a test can watch requests and responses as the server sees them. */
  server: Server;
  /** This API's live tails (its own LISTEN connection), so a test can see who follows what. */
  liveTails: LiveTails;
  stop(): Promise<void>;
}

/**
 * Starts the real API on a free loopback port with `overrides` (a wrapped pool, short
 * intervals). The harness's API keeps its defaults, so other tests of the file are unaffected.
 * `port`: the one a stopped API listened on, to start it again where its clients look.
 */
export async function startOwnApi(h: Harness, overrides: Partial<Omit<AppDeps, 'liveTails'>> = {}, port?: number): Promise<OwnApi> {
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const pool = overrides.pool ?? h.pool;
  const liveTails = new LiveTails(pool, h.databaseUrl, logger);
  await liveTails.start();
  port ??= await freePort();
  const app = createApp({
    publicUrl: `http://127.0.0.1:${port}`,
    pool,
    temporal: h.temporal,
    logger,
    taskQueue: h.taskQueue,
    namespace: 'default',
    temporalUiUrl: 'http://127.0.0.1:8233',
    liveTails,
    sseKeepAliveSeconds: 1,
    ...overrides,
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    publicOrigin: `http://127.0.0.1:${port}`,
    server,
    liveTails,
    async stop() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await liveTails.stop();
    },
  };
}
