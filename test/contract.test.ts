import { randomUUID } from 'node:crypto';

import type { Express } from 'express';

import { createApp } from '../src/api/app';
import { codecBodyLimitBytes } from '../src/api/routes/codec';
import { createLogger } from '../src/logger';
import { LiveTails } from '../src/logs/liveTail';
import { startHarness, type Harness } from './support/harness';

interface DocOperation {
  'x-required-role'?: 'viewer' | 'operator' | 'admin';
  requestBody?: unknown;
}
type Doc = { openapi: string; paths: Record<string, Record<string, DocOperation>> };

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
}

/** Every route the express app really serves, as `METHOD /path/{param}`. */
function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      // The console's page fallback matches by pattern and is no API route.
      if (layer.route && typeof layer.route.path === 'string') {
        for (const method of Object.keys(layer.route.methods)) {
          out.push(`${method.toUpperCase()} ${prefix}${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        const mount = layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out.sort();
}

const roleRank = { viewer: 0, operator: 1, admin: 2 } as const;

describe('the API contract: OpenAPI, roles, and bad input everywhere', () => {
  let h: Harness;
  let doc: Doc;
  let tokens: Record<'viewer' | 'operator' | 'admin', string>;

  beforeAll(async () => {
    h = await startHarness();
    const res = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    expect(res.status).toBe(200);
    doc = res.body;
    tokens = {
      viewer: (await h.createToken('viewer')).token,
      operator: (await h.createToken('operator')).token,
      admin: h.adminToken,
    };
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function streamStatus(url: string, token: string): Promise<{ status: number; body: { code?: string } }> {
    const controller = new AbortController();
    const res = await fetch(`${h.url}${url}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const body = (res.headers.get('content-type')?.includes('json') ? await res.json() : {}) as { code?: string };
    controller.abort();
    return { status: res.status, body };
  }

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));

  test('when the OpenAPI document is fetched without a token, then it is 3.1 and lists exactly the routes the server serves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const app = createApp({
      pool: h.pool,
      temporal: h.temporal,
      logger: createLogger('test', 'silent'),
      taskQueue: 'unused',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      liveTails: new LiveTails(h.pool, h.databaseUrl, createLogger('test', 'silent')),
    });
    const documented = operations().map((o) => `${o.method} ${o.path}`).sort();
    expect(documented).toEqual(servedRoutes(app));
  });

  test('when each route is called with no token and with each role, then only the documented role and above get past authorization', async () => {
    const failures: string[] = [];
    for (const { method, path, op } of operations()) {
      const url = path.replace('{id}', randomUUID());
      const required = op['x-required-role'];
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      if (!required) {
        const res = await h.request(method, url, body, { token: null });
        // Signing in is public but only from the console's origin, which this request does not name.
        const expected = method === 'POST' && path === '/api/v1/session' ? [403] : [200, 503];
        if (!expected.includes(res.status)) failures.push(`${method} ${path} public: ${res.status}`);
        continue;
      }
      const anonymous = await h.request(method, url, body, { token: null });
      if (anonymous.status !== 401 || anonymous.body.code !== 'UNAUTHENTICATED') failures.push(`${method} ${path} no token: ${anonymous.status}`);
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        // A stream that is let in never ends: its status and first bytes are enough.
        const res = path.endsWith('/events') ? await streamStatus(url, tokens[role]) : await h.request(method, url, body, { token: tokens[role] });
        const allowed = roleRank[role] >= roleRank[required];
        if (allowed && [401, 403].includes(res.status)) failures.push(`${method} ${path} as ${role}: ${res.status}, expected to pass`);
        if (!allowed && (res.status !== 403 || res.body.code !== 'FORBIDDEN')) failures.push(`${method} ${path} as ${role}: ${res.status}, expected 403`);
        if (res.status >= 500) failures.push(`${method} ${path} as ${role}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  describe('bad input on every write route', () => {
    let ids: Record<'environment' | 'environmentName' | 'source' | 'job' | 'execution' | 'token' | 'notification' | 'schedule', string>;

    /** Row counts and the latest change of every table a write could touch. */
    async function snapshot(): Promise<unknown> {
      const { rows } = await h.pool.query(`
        select (select count(*) from environments) as environments, (select max(updated_at) from environments) as env_changed,
               (select count(*) from sources) as sources, (select max(updated_at) from sources) as source_changed,
               (select count(*) from jobs) as jobs, (select max(updated_at) from jobs) as job_changed,
               (select count(*) from executions) as executions,
               (select count(*) from api_tokens) as tokens, (select count(*) from api_tokens where revoked_at is not null) as revoked,
               (select count(*) from audit_log) as audit,
               (select count(*) from notification_targets) as notification_targets, (select max(updated_at) from notification_targets) as notification_changed,
               (select count(*) from notification_deliveries) as notification_deliveries,
               (select count(*) from schedules) as schedules, (select max(updated_at) from schedules) as schedule_changed,
               (select count(*) from schedule_runs) as schedule_runs,
               (select string_agg(id || status || coalesce(approved_by, '') || coalesce(cancelled_by, ''), ',' order by id) from executions) as execution_states`);
      return rows[0];
    }

    beforeAll(async () => {
      const environment = await h.createEnvironment({ production: true });
      const job = await h.createJob({ scriptPath: '/opt/migrations/import.js', parameters: [{ name: 'tenant', type: 'string' }] });
      // Awaiting approval forever: approve, reject, cancel and rerun all have a target.
      const started = await h.request(
        'POST',
        '/api/v1/executions',
        { jobId: job.id, environmentId: environment.id, params: { tenant: 'acme' }, confirmProduction: environment.name },
        { token: tokens.operator },
      );
      expect(started.status).toBe(202);
      const token = await h.createToken('viewer');
      const notification = await h.request('POST', '/api/v1/notifications', { name: 'contract', url: 'https://93.184.216.34/hook', events: ['execution.failed'] });
      expect(notification.status).toBe(201);
      // Awaiting its approval, so it never runs.
      const schedule = await h.request(
        'POST',
        '/api/v1/schedules',
        { name: 'contract', jobId: job.id, environmentId: environment.id, params: { tenant: 'acme' }, cron: '0 3 * * *', confirmProduction: environment.name },
        { token: tokens.operator },
      );
      expect(schedule.status).toBe(201);
      ids = {
        environment: environment.id,
        environmentName: environment.name,
        source: job.sourceId,
        job: job.id,
        execution: started.body.id,
        token: token.id,
        notification: notification.body.id,
        schedule: schedule.body.id,
      };
    });

    const validEnvironment = () => ({ name: `env-${randomUUID()}`, host: '127.0.0.1', username: 'deploy', privateKeyPath: '/keys/id' });
    const validJob = () => ({ name: `job-${randomUUID()}`, sourceId: ids.source, scriptPath: '/opt/x.js', interpreter: 'node' });
    // Beyond every route's limit, a start's (which carries every parameter) included.
    const huge = 'x'.repeat(2 * 1024 * 1024);

    interface BadCase {
      what: string;
      body?: unknown;
      raw?: string;
      status: number;
      code: string;
      field?: string;
    }
    interface WriteRoute {
      method: string;
      path: () => string;
      token?: 'viewer' | 'operator' | 'admin';
      cases: () => BadCase[];
      /** A body limit of its own, above the API's usual one. */
      bodyLimitBytes?: number;
    }

    const common = (route: WriteRoute): BadCase[] => [
      { what: 'malformed JSON', raw: '{"name": ', status: 400, code: 'VALIDATION_FAILED', field: '' },
      { what: 'a JSON array instead of an object', body: [], status: 400, code: 'VALIDATION_FAILED' },
      { what: 'a JSON string instead of an object', raw: '"hello"', status: 400, code: 'VALIDATION_FAILED' },
      {
        what: 'an oversized body',
        body: { name: route.bodyLimitBytes ? 'x'.repeat(route.bodyLimitBytes + 1) : huge },
        status: 413,
        code: 'VALIDATION_FAILED',
      },
    ];

    const routes: WriteRoute[] = [
      {
        method: 'POST',
        path: () => '/api/v1/environments',
        cases: () => [
          { what: 'a wrong type', body: { ...validEnvironment(), port: '22' }, status: 400, code: 'VALIDATION_FAILED', field: 'port' },
          { what: 'a missing field', body: { host: 'h', username: 'u', privateKeyPath: '/k' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
          { what: 'an unknown field', body: { ...validEnvironment(), colour: 'red' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { ...validEnvironment(), name: 'a\u0000b' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
          { what: 'a command in the host', body: { ...validEnvironment(), host: 'h; rm -rf /' }, status: 400, code: 'VALIDATION_FAILED', field: 'host' },
          { what: 'no credentials', body: { ...validEnvironment(), privateKeyPath: null }, status: 400, code: 'VALIDATION_FAILED', field: 'privateKeyPath' },
        ],
      },
      {
        method: 'PATCH',
        path: () => `/api/v1/environments/${ids.environment}`,
        cases: () => [
          { what: 'no field', body: {}, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a wrong type', body: { production: 'no' }, status: 400, code: 'VALIDATION_FAILED', field: 'production' },
          { what: 'an unknown field', body: { id: randomUUID() }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { shellInit: 'a\u0000' }, status: 400, code: 'VALIDATION_FAILED', field: 'shellInit' },
          { what: 'a bad fingerprint', body: { hostKeyFingerprint: 'MD5:aa' }, status: 400, code: 'VALIDATION_FAILED', field: 'hostKeyFingerprint' },
        ],
      },
      {
        method: 'POST',
        path: () => '/api/v1/sources',
        cases: () => [
          { what: 'a wrong type', body: { name: 'n', system: 7 }, status: 400, code: 'VALIDATION_FAILED', field: 'system' },
          { what: 'a missing field', body: { name: 'n' }, status: 400, code: 'VALIDATION_FAILED', field: 'system' },
          { what: 'an unknown field', body: { name: 'n', system: 's', owner: 'x' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { name: 'n\u0000', system: 's' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
        ],
      },
      {
        method: 'PATCH',
        path: () => `/api/v1/sources/${ids.source}`,
        cases: () => [
          { what: 'a wrong type', body: { description: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'description' },
          { what: 'a NUL byte', body: { description: '\u0000' }, status: 400, code: 'VALIDATION_FAILED', field: 'description' },
        ],
      },
      {
        method: 'POST',
        path: () => '/api/v1/jobs',
        cases: () => [
          { what: 'a wrong type', body: { ...validJob(), timeoutSeconds: 'soon' }, status: 400, code: 'VALIDATION_FAILED', field: 'timeoutSeconds' },
          { what: 'a missing field', body: { ...validJob(), scriptPath: undefined }, status: 400, code: 'VALIDATION_FAILED', field: 'scriptPath' },
          { what: 'an unknown field', body: { ...validJob(), shell: 'zsh' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { ...validJob(), scriptPath: '/opt/a\u0000.js' }, status: 400, code: 'VALIDATION_FAILED', field: 'scriptPath' },
          {
            what: 'a huge array',
            body: { ...validJob(), parameters: Array.from({ length: 5000 }, (_, i) => ({ name: `p${i}`, type: 'string' })) },
            status: 400,
            code: 'VALIDATION_FAILED',
            field: 'parameters',
          },
          { what: 'an unknown source', body: { ...validJob(), sourceId: randomUUID() }, status: 400, code: 'VALIDATION_FAILED', field: 'sourceId' },
        ],
      },
      {
        method: 'PATCH',
        path: () => `/api/v1/jobs/${ids.job}`,
        cases: () => [
          { what: 'a wrong type', body: { interpreter: 'perl' }, status: 400, code: 'VALIDATION_FAILED', field: 'interpreter' },
          { what: 'a bad regex', body: { parameters: [{ name: 'a', type: 'string', pattern: '(' }] }, status: 400, code: 'VALIDATION_FAILED', field: 'parameters.0.pattern' },
        ],
      },
      {
        method: 'POST',
        path: () => `/api/v1/jobs/${ids.job}/preview`,
        token: 'viewer',
        cases: () => [
          { what: 'a wrong type', body: { params: 'tenant=a' }, status: 400, code: 'VALIDATION_FAILED', field: 'params' },
          { what: 'an unknown field', body: { params: {}, run: true }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'an unknown environment', body: { params: { tenant: 'a' }, environmentId: randomUUID() }, status: 400, code: 'VALIDATION_FAILED', field: 'environmentId' },
          { what: 'a NUL byte', body: { params: { tenant: 'a\u0000' } }, status: 400, code: 'VALIDATION_FAILED', field: 'params.tenant' },
        ],
      },
      {
        method: 'POST',
        path: () => '/api/v1/executions',
        token: 'operator',
        cases: () => [
          { what: 'a wrong type', body: { jobId: 42, environmentId: ids.environment }, status: 400, code: 'VALIDATION_FAILED', field: 'jobId' },
          { what: 'a missing field', body: { jobId: ids.job }, status: 400, code: 'VALIDATION_FAILED', field: 'environmentId' },
          { what: 'an unknown field', body: { jobId: ids.job, environmentId: ids.environment, priority: 1 }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          {
            what: 'an unknown parameter',
            body: { jobId: ids.job, environmentId: ids.environment, params: { tenant: 'a', extra: 'b' }, confirmProduction: 'x' },
            status: 400,
            code: 'VALIDATION_FAILED',
            field: 'params',
          },
          {
            what: 'a NUL byte in a parameter',
            body: { jobId: ids.job, environmentId: ids.environment, params: { tenant: 'a\u0000b' } },
            status: 400,
            code: 'VALIDATION_FAILED',
            field: 'params.tenant',
          },
          {
            what: 'an over-long parameter',
            body: { jobId: ids.job, environmentId: ids.environment, params: { tenant: 'x'.repeat(5000) } },
            status: 400,
            code: 'VALIDATION_FAILED',
            field: 'params.tenant',
          },
          {
            what: 'a huge array as a parameter',
            body: { jobId: ids.job, environmentId: ids.environment, params: { tenant: Array.from({ length: 10_000 }, () => 'x') } },
            status: 400,
            code: 'VALIDATION_FAILED',
            field: 'params.tenant',
          },
        ],
      },
      ...(['approve', 'reject'] as const).map((verb) => ({
        method: 'POST',
        path: () => `/api/v1/executions/${ids.execution}/${verb}`,
        token: 'admin' as const,
        cases: (): BadCase[] => [
          { what: 'a wrong type', body: { reason: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'reason' },
          { what: 'an unknown field', body: { by: 'someone-else' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { reason: '\u0000' }, status: 400, code: 'VALIDATION_FAILED', field: 'reason' },
        ],
      })),
      {
        method: 'POST',
        path: () => `/api/v1/executions/${ids.execution}/rerun`,
        token: 'operator',
        cases: () => [{ what: 'an unknown field', body: { params: {} }, status: 400, code: 'VALIDATION_FAILED', field: '' }],
      },
      {
        method: 'POST',
        path: () => `/api/v1/executions/${ids.execution}/cancel`,
        token: 'operator',
        cases: () => [],
      },
      {
        method: 'POST',
        path: () => `/api/v1/environments/${ids.environment}/check`,
        cases: () => [],
      },
      ...(['decode', 'encode'] as const).map(
        (direction): WriteRoute => ({
          method: 'POST',
          path: () => `/codec/${direction}`,
          token: 'operator',
          bodyLimitBytes: codecBodyLimitBytes,
          cases: () => [
            { what: 'a wrong type', body: { payloads: 'all' }, status: 400, code: 'VALIDATION_FAILED', field: 'payloads' },
            { what: 'an unknown field', body: { payloads: [], namespace: 'x' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
            { what: 'data that is no base64', body: { payloads: [{ data: 'a\u0000b' }] }, status: 400, code: 'VALIDATION_FAILED', field: 'payloads.0.data' },
          ],
        }),
      ),
      {
        method: 'POST',
        path: () => '/api/v1/notifications',
        cases: () => [
          { what: 'an unknown event', body: { name: 'n', url: 'https://93.184.216.34/h', events: ['execution.exploded'] }, status: 400, code: 'VALIDATION_FAILED', field: 'events.0' },
          { what: 'a URL that is not http(s)', body: { name: 'n', url: 'gopher://93.184.216.34/h', events: ['execution.failed'] }, status: 400, code: 'VALIDATION_FAILED', field: 'url' },
          { what: 'a private address', body: { name: 'n', url: 'http://10.0.0.1/h', events: ['execution.failed'] }, status: 400, code: 'VALIDATION_FAILED', field: 'url' },
          { what: 'a missing URL', body: { name: 'n', events: ['execution.failed'] }, status: 400, code: 'VALIDATION_FAILED', field: 'url' },
          { what: 'an unknown field', body: { name: 'n', url: 'https://93.184.216.34/h', events: ['execution.failed'], secret: 'mine' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { name: 'n\u0000', url: 'https://93.184.216.34/h', events: ['execution.failed'] }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
        ],
      },
      {
        method: 'PATCH',
        path: () => `/api/v1/notifications/${ids.notification}`,
        cases: () => [
          { what: 'a wrong type', body: { enabled: 'yes' }, status: 400, code: 'VALIDATION_FAILED', field: 'enabled' },
          { what: 'an unknown event', body: { events: ['nope'] }, status: 400, code: 'VALIDATION_FAILED', field: 'events.0' },
          { what: 'a loopback address', body: { url: 'http://127.0.0.1:8080/h' }, status: 400, code: 'VALIDATION_FAILED', field: 'url' },
          { what: 'an unknown field', body: { secret: 'mine' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
        ],
      },
      ...(['rotate-secret', 'test'] as const).map((action) => ({
        method: 'POST',
        path: () => `/api/v1/notifications/${ids.notification}/${action}`,
        cases: (): BadCase[] => [{ what: 'an unknown field', body: { secret: 'mine' }, status: 400, code: 'VALIDATION_FAILED', field: '' }],
      })),
      {
        method: 'POST',
        path: () => '/api/v1/schedules',
        token: 'operator',
        cases: () => {
          const valid = { name: `s-${randomUUID()}`, jobId: ids.job, environmentId: ids.environment, params: { tenant: 'a' }, intervalSeconds: 60, confirmProduction: 'x' };
          return [
            { what: 'a wrong type', body: { ...valid, intervalSeconds: 'often' }, status: 400, code: 'VALIDATION_FAILED', field: 'intervalSeconds' },
            { what: 'a missing field', body: { ...valid, jobId: undefined }, status: 400, code: 'VALIDATION_FAILED', field: 'jobId' },
            { what: 'an unknown field', body: { ...valid, owner: 'x' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
            { what: 'an invalid cron expression', body: { ...valid, intervalSeconds: undefined, cron: '99 * * * *', confirmProduction: ids.environmentName }, status: 400, code: 'VALIDATION_FAILED', field: 'cron' },
            { what: 'an unknown time zone', body: { ...valid, timeZone: 'Nowhere/Land' }, status: 400, code: 'VALIDATION_FAILED', field: 'timeZone' },
            { what: 'an unknown job', body: { ...valid, jobId: randomUUID() }, status: 400, code: 'VALIDATION_FAILED', field: 'jobId' },
            { what: 'an unknown parameter', body: { ...valid, params: { tenant: 'a', extra: 'b' } }, status: 400, code: 'VALIDATION_FAILED', field: 'params' },
            { what: 'a NUL byte', body: { ...valid, name: 'a\u0000' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
          ];
        },
      },
      {
        method: 'PATCH',
        path: () => `/api/v1/schedules/${ids.schedule}`,
        token: 'operator',
        cases: () => [
          { what: 'a wrong type', body: { overlap: 'always' }, status: 400, code: 'VALIDATION_FAILED', field: 'overlap' },
          { what: 'an unknown time zone', body: { timeZone: 'Nowhere/Land' }, status: 400, code: 'VALIDATION_FAILED', field: 'timeZone' },
          { what: 'an unknown field', body: { paused: true }, status: 400, code: 'VALIDATION_FAILED', field: '' },
        ],
      },
      {
        method: 'POST',
        path: () => `/api/v1/schedules/${ids.schedule}/pause`,
        token: 'operator',
        cases: () => [{ what: 'a wrong type', body: { reason: 5 }, status: 400, code: 'VALIDATION_FAILED', field: 'reason' }],
      },
      ...(['unpause', 'trigger', 'approve'] as const).map((verb) => ({
        method: 'POST',
        path: () => `/api/v1/schedules/${ids.schedule}/${verb}`,
        token: 'operator' as const,
        cases: (): BadCase[] => [{ what: 'an unknown field', body: { by: 'someone-else' }, status: 400, code: 'VALIDATION_FAILED', field: '' }],
      })),
      {
        method: 'POST',
        path: () => '/api/v1/tokens',
        cases: () => [
          { what: 'a wrong role', body: { name: 'n', owner: 'o', role: 'root' }, status: 400, code: 'VALIDATION_FAILED', field: 'role' },
          { what: 'a missing field', body: { owner: 'o', role: 'viewer' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
          { what: 'a missing owner', body: { name: 'n', role: 'viewer' }, status: 400, code: 'VALIDATION_FAILED', field: 'owner' },
          { what: 'an owner that is no login', body: { name: 'n', owner: 'alice smith', role: 'viewer' }, status: 400, code: 'VALIDATION_FAILED', field: 'owner' },
          { what: 'an unknown field', body: { name: 'n', owner: 'o', role: 'viewer', secret: 'mine' }, status: 400, code: 'VALIDATION_FAILED', field: '' },
          { what: 'a NUL byte', body: { name: 'n\u0000', owner: 'o', role: 'viewer' }, status: 400, code: 'VALIDATION_FAILED', field: 'name' },
          { what: 'a bad date', body: { name: 'n', owner: 'o', role: 'viewer', expiresAt: 'tomorrow' }, status: 400, code: 'VALIDATION_FAILED', field: 'expiresAt' },
        ],
      },
    ];

    test('when every write route gets malformed, mistyped, incomplete, unknown, oversized, NUL-bearing or huge input, then each answers 4xx with the code and field, and nothing is written', async () => {
      const documentedWrites = operations()
        .filter((o) => ['POST', 'PATCH', 'PUT'].includes(o.method) && o.op['x-required-role'])
        .map((o) => `${o.method} ${o.path}`)
        .sort();
      const tabled = routes.map((r) => `${r.method} ${r.path().replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{id}')}`).sort();
      expect(tabled).toEqual(documentedWrites);

      const before = await snapshot();
      const failures: string[] = [];
      for (const route of routes) {
        for (const c of [...common(route), ...route.cases()]) {
          const res = await h.request(route.method, route.path(), c.body, {
            token: tokens[route.token ?? 'admin'],
            ...(c.raw !== undefined ? { rawBody: c.raw } : {}),
          });
          const where = `${route.method} ${route.path()} with ${c.what}`;
          if (res.status !== c.status) failures.push(`${where}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          else if (res.body?.code !== c.code) failures.push(`${where}: code ${res.body?.code}`);
          else if (!String(res.headers.get('content-type')).startsWith('application/problem+json')) failures.push(`${where}: not problem+json`);
          else if (c.field !== undefined && !(res.body.errors ?? []).some((e: { path: string }) => e.path === c.field)) {
            failures.push(`${where}: errors ${JSON.stringify(res.body.errors)} do not name "${c.field}"`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(await snapshot()).toEqual(before);
    });

    test('when hostile strings are parameter values a string parameter allows, then they are accepted and stored as data, byte for byte', async () => {
      const hostile = ["'; rm -rf ~; '", '$(id)', '`id`', 'line one\nline two', '-rf', '~', '*', '', 'tab\there', 'carriage\rreturn'];
      const environment = await h.createEnvironment();
      const job = await h.createJob({ scriptPath: '/opt/migrations/none.js', parameters: hostile.map((_, i) => ({ name: `p${i}`, type: 'string' })) });
      const params = Object.fromEntries(hostile.map((value, i) => [`p${i}`, value]));
      const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: environment.id, params }, { token: tokens.operator });
      expect(res.status).toBe(202);
      expect((await h.request('GET', `/api/v1/executions/${res.body.id}`)).body.params).toEqual(params);
      // The script does not exist, so nothing runs; test/safety.test.ts runs such strings and compares argv.
      await h.waitForExecution(res.body.id, (e) => e.status === 'failed', 60_000);
    });
  });
});
