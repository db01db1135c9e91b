import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMigratorClient, dataOrThrow, type Environment, type Job, type MigratorClient, type paths } from '@migrator/api-client';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Client as PgClient, type Pool } from 'pg';

import { freePort } from '../../scripts/lib/loopbackSshd';
import { createActivities } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { seedAdminToken } from '../../src/api/auth';
import { startServer, type RunningServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import { ExecutionReconciler } from '../../src/executions/reconciler';
import { createLogger } from '../../src/logger';
import { isFinalStatus } from '../../src/model/execution';
import { LiveTails } from '../../src/logs/liveTail';
import { defaultDeliveryRetry, type DeliveryRetry } from '../../src/notifications/events';
import { SecretBox } from '../../src/notifications/secretBox';
import type { NotificationSettings } from '../../src/notifications/settings';
import { SshPool } from '../../src/ssh/sshPool';
import { createMigrationWorker } from '../../src/worker/createWorker';
import type { ExecutionTuning } from '../../src/workflows/types';
import { sharedServices, type SharedTestServices } from './env';
import { bundleTestWorkflows, testDataConverter, testPayloadCodec, testPayloadKeys } from './temporalTest';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  body: any;
}

export interface RequestOptions {
  token?: string | null;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One test file's world: its own database and task queue on the shared servers, the real API and worker. */
export interface Harness {
  url: string;
  databaseUrl: string;
  adminToken: string;
  pool: Pool;
  /** The in-process worker's SSH connections. */
  ssh: SshPool;
  temporal: Client;
  services: SharedTestServices;
  taskQueue: string;
  scriptsDir: string;
  /** The webhook settings the API and the worker share; a test may flip `allowPrivateAddresses`. */
  notifications: NotificationSettings;
  /** The generated API client, as the admin. */
  client: MigratorClient;
  /** Any request as it is, malformed ones included; the helpers below go through `client`. */
  request(method: string, urlPath: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse>;
  writeScript(name: string, content: string, mode?: number): string;
  createEnvironment(overrides?: Record<string, unknown>): Promise<Environment>;
  createJob(overrides?: Record<string, unknown>): Promise<Job>;
  /** A new API token of `role` through the API, held by `owner` (by default a person of the token's name), who the API records as the actor. */
  createToken(role: 'viewer' | 'operator' | 'admin', name?: string, owner?: string): Promise<CreatedToken>;
  /** Polls `GET /executions/:id` until `until` holds. Loosely typed, as tests read any field of it. */
  waitForExecution(id: string, until: (execution: ApiResponse['body']) => boolean, timeoutMs?: number): Promise<ApiResponse['body']>;
  stop(): Promise<void>;
}

type CreatedToken = paths['/api/v1/tokens']['post']['responses'][201]['content']['application/json'];
type Body<P extends keyof paths> = paths[P] extends { post: { requestBody: { content: { 'application/json': infer B } } } } ? B : never;

const quietLogger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
let runtimeInstalled = false;

async function createDatabase(services: SharedTestServices, adminUrl?: string): Promise<{ name: string; url: string }> {
  const name = `migrator_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl ?? services.adminUrl);
  url.pathname = `/${name}`;
  if (adminUrl) {
    // Another server (a test's own PostgreSQL): no template there, so migrate the real way.
    const admin = new PgClient({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    execFileSync(process.execPath, [require.resolve('tsx/cli'), path.resolve(__dirname, '..', '..', 'scripts', 'migrate.ts')], {
      env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    return { name, url: url.toString() };
  }
  const admin = new PgClient({ connectionString: services.adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${services.template}`);
        break;
      } catch (err) {
        // Two files copying the template at the same instant: PostgreSQL refuses one; try again.
        if (attempt > 20) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.end();
  }
  return { name, url: url.toString() };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

export interface HarnessOptions {
  /** false: no in-process worker (the test runs worker processes itself). */
  worker?: boolean;
  killGraceSeconds?: number;
  /** Another PostgreSQL server to create this file's database on. */
  adminUrl?: string;
  /** Another Temporal server (a test's own) instead of the shared one. */
  temporalAddress?: string;
  /** The retry budget of the executions this file starts (short ones for fault tests). */
  executionTuning?: ExecutionTuning;
  /** Runs the worker's execution reconciler this often (off unless given). */
  reconcileIntervalMs?: number;
  /** Webhooks: private addresses refused unless allowed; retries as configured by default. */
  notifications?: { allowPrivateAddresses?: boolean; retry?: DeliveryRetry; attemptTimeoutMs?: number };
  /** How often a scheduled run reads its execution's row while waiting for its end (250 ms here). */
  schedulePollMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const services = sharedServices();
  if (!runtimeInstalled) {
    Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
    runtimeInstalled = true;
  }
  const database = await createDatabase(services, options.adminUrl);
  const pool = createPool(database.url);
  const adminToken = randomBytes(24).toString('hex');
  await seedAdminToken(pool, adminToken);
  const taskQueue = `test-${randomUUID()}`;
  const temporalAddress = options.temporalAddress ?? services.temporalAddress;
  const connection = await Connection.connect({ address: temporalAddress });
  const dataConverter = testDataConverter();
  const temporal = new Client({ connection, namespace: 'default', dataConverter });

  const apiPort = await freePort();
  const notifications: NotificationSettings = {
    secretBox: SecretBox.fromSettings({ MIGRATOR_PAYLOAD_KEYS: testPayloadKeys(), MIGRATOR_PAYLOAD_ENCRYPTION: 'on' }),
    allowPrivateAddresses: options.notifications?.allowPrivateAddresses ?? false,
    retry: options.notifications?.retry ?? defaultDeliveryRetry,
    attemptTimeoutMs: options.notifications?.attemptTimeoutMs,
    taskQueue,
    publicUrl: `http://127.0.0.1:${apiPort}`,
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
  };

  // Key files live where the loopback sshd generated them; only the worker reads them.
  const ssh = new SshPool({ keyDir: services.ssh.dir, connectTimeoutMs: 20_000 });
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (options.worker !== false) {
    nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    const workflowBundle = await bundleTestWorkflows();
    worker = await createMigrationWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      dataConverter,
      activities: createActivities({
        pool,
        logger: quietLogger,
        temporal,
        ssh,
        killGraceSeconds: options.killGraceSeconds ?? 2,
        notifications,
        schedulePollMs: options.schedulePollMs ?? 250,
      }),
    });
    workerRun = worker.run();
  }
  const reconciler = options.reconcileIntervalMs
    ? new ExecutionReconciler({ pool, temporal, ssh, logger: quietLogger, killGraceSeconds: options.killGraceSeconds ?? 2, notifications }).start(options.reconcileIntervalMs)
    : undefined;

  const liveTails = new LiveTails(pool, database.url, quietLogger);
  await liveTails.start();
  // apiPort is known before the app is built: the console's cookie writes must come from this origin.
  const server: RunningServer = await startServer(
    createApp({
      publicUrl: `http://127.0.0.1:${apiPort}`,
      pool,
      temporal,
      logger: quietLogger,
      taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      payloadCodec: testPayloadCodec(),
      liveTails,
      sseKeepAliveSeconds: 1,
      executionTuning: options.executionTuning,
      notifications,
    }),
    apiPort,
    '127.0.0.1',
  );
  const scriptsDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-scripts-'));

  const request: Harness['request'] = async (method, urlPath, body, opts = {}) => {
    const token = opts.token === undefined ? adminToken : opts.token;
    const headers: Record<string, string> = { ...opts.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = opts.rawBody;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${server.url}${urlPath}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  const client = createMigratorClient({ baseUrl: server.url, token: adminToken });

  const harness: Harness = {
    url: server.url,
    databaseUrl: database.url,
    adminToken,
    pool,
    ssh,
    temporal,
    services,
    taskQueue,
    scriptsDir,
    notifications,
    client,
    request,
    writeScript(name, content, mode = 0o755) {
      const file = path.join(scriptsDir, name);
      writeFileSync(file, content, { mode });
      return file;
    },
    async createEnvironment(overrides = {}) {
      // Overrides stay loose (tests pass widened literals); the API validates them.
      const body: Record<string, unknown> = {
        name: `env-${randomBytes(4).toString('hex')}`,
        host: services.ssh.host,
        port: services.ssh.port,
        username: services.ssh.username,
        privateKeyPath: services.ssh.privateKeyPath,
        hostKeyFingerprint: services.ssh.hostKeyFingerprint,
        nodePath: process.execPath,
        ...overrides,
      };
      return dataOrThrow(await client.POST('/api/v1/environments', { body: body as Body<'/api/v1/environments'> }));
    },
    async createJob(overrides = {}) {
      const source = dataOrThrow(await client.POST('/api/v1/sources', { body: { name: `src-${randomBytes(4).toString('hex')}`, system: 'iclinic' } }));
      const body: Record<string, unknown> = {
        name: `job-${randomBytes(4).toString('hex')}`,
        sourceId: source.id,
        interpreter: 'node',
        parameters: [],
        timeoutSeconds: 600,
        ...overrides,
      };
      return dataOrThrow(await client.POST('/api/v1/jobs', { body: body as Body<'/api/v1/jobs'> }));
    },
    async createToken(role, name = `${role}-${randomBytes(4).toString('hex')}`, owner = name) {
      return dataOrThrow(await client.POST('/api/v1/tokens', { body: { name, owner, role } }));
    },
    async waitForExecution(id, until, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { data, error, response } = await client.GET('/api/v1/executions/{id}', { params: { path: { id } } });
        if (data && until(data)) return data;
        if (Date.now() > deadline) throw new Error(`Execution ${id} did not reach the expected state: ${response.status} ${JSON.stringify(data ?? error)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await reconciler?.stop();
      await server.stop();
      await liveTails.stop();
      if (worker) {
        worker.shutdown();
        await workerRun;
      }
      ssh.close();
      await nativeConnection?.close();
      await connection.close();
      await pool.end();
      if (!process.env.KEEP_TEST_DB && !options.adminUrl) await dropDatabase(services.adminUrl, database.name);
      rmSync(scriptsDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export function isFinished(execution: { status: string }): boolean {
  return isFinalStatus(execution.status);
}
