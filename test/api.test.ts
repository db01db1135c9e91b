import { startHarness, type Harness } from './support/harness';

describe('HTTP API: authentication and bad input', () => {
  let h: Harness;
  let jobId: string;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    environmentId = (await h.createEnvironment()).id;
    jobId = (
      await h.createJob({
        scriptPath: '/opt/migrations/import.js',
        parameters: [
          { name: 'sistema', type: 'enum', values: ['iclinic', 'medpro'] },
          { name: 'practitionerId', type: 'integer', min: 1 },
          { name: 'email', type: 'email', required: false },
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function counts(): Promise<Record<string, number>> {
    const { rows } = await h.pool.query(
      `select (select count(*) from environments)::int as environments, (select count(*) from sources)::int as sources,
              (select count(*) from jobs)::int as jobs, (select count(*) from executions)::int as executions`,
    );
    return rows[0];
  }

  test.each([
    ['no Authorization header', null],
    ['an unknown token', 'not-a-real-token-0123456789'],
  ])('when a request has %s, then it gets 401 UNAUTHENTICATED as problem+json', async (_case, token) => {
    for (const [method, path] of [
      ['GET', '/api/v1/environments'],
      ['POST', '/api/v1/executions'],
      ['GET', '/api/v1/executions/00000000-0000-0000-0000-000000000000'],
    ] as const) {
      const res = await h.request(method, path, method === 'POST' ? {} : undefined, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  test('when the token is malformed in the header, then it gets 401', async () => {
    const res = await h.request('GET', '/api/v1/jobs', undefined, { token: null, headers: { authorization: `Basic ${h.adminToken}` } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  const badBodies: Array<[string, string, unknown, string]> = [
    ['environment without host', '/api/v1/environments', { name: 'x', username: 'u', useAgent: true }, 'host'],
    ['environment with a port out of range', '/api/v1/environments', { name: 'x', host: 'h', username: 'u', port: 70000, useAgent: true }, 'port'],
    ['environment with an unknown field', '/api/v1/environments', { name: 'x', host: 'h', username: 'u', useAgent: true, password: 'p' }, ''],
    ['environment without credentials', '/api/v1/environments', { name: 'x', host: 'h', username: 'u' }, 'privateKeyPath'],
    ['environment with a bad fingerprint', '/api/v1/environments', { name: 'x', host: 'h', username: 'u', useAgent: true, hostKeyFingerprint: 'MD5:aa' }, 'hostKeyFingerprint'],
    ['source with a NUL byte in its name', '/api/v1/sources', { name: 'a\u0000b', system: 's' }, 'name'],
    ['job with a relative script path', '/api/v1/jobs', { name: 'j', sourceId: '00000000-0000-0000-0000-000000000000', scriptPath: 'x.js', interpreter: 'node' }, 'scriptPath'],
    ['job with an unknown interpreter', '/api/v1/jobs', { name: 'j', sourceId: '00000000-0000-0000-0000-000000000000', scriptPath: '/x.js', interpreter: 'ruby' }, 'interpreter'],
    ['job with a required parameter after an optional one', '/api/v1/jobs', { name: 'j', sourceId: '00000000-0000-0000-0000-000000000000', scriptPath: '/x.js', interpreter: 'node', parameters: [{ name: 'a', type: 'string', required: false }, { name: 'b', type: 'string' }] }, 'parameters.1.required'],
    ['job with an invalid regex', '/api/v1/jobs', { name: 'j', sourceId: '00000000-0000-0000-0000-000000000000', scriptPath: '/x.js', interpreter: 'node', parameters: [{ name: 'a', type: 'string', pattern: '([' }] }, 'parameters.0.pattern'],
    ['execution with a non-uuid jobId', '/api/v1/executions', { jobId: 'abc', environmentId: '00000000-0000-0000-0000-000000000000' }, 'jobId'],
    ['execution with params that are not an object', '/api/v1/executions', { jobId: '00000000-0000-0000-0000-000000000000', environmentId: '00000000-0000-0000-0000-000000000000', params: [1] }, 'params'],
  ];

  test.each(badBodies)('when the body is a %s, then it gets 400 VALIDATION_FAILED naming the field and nothing is written', async (_case, path, body, field) => {
    const before = await counts();
    const res = await h.request('POST', path, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  test('when the body is not JSON, then it gets 400 VALIDATION_FAILED', async () => {
    const res = await h.request('POST', '/api/v1/sources', undefined, { rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  test('when the body is too large, then it gets 413 VALIDATION_FAILED', async () => {
    const res = await h.request('POST', '/api/v1/sources', { name: 'x', system: 'y', description: 'z'.repeat(400_000) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  test.each([
    ['an unknown parameter', { sistema: 'iclinic', practitionerId: 3, extra: 'x' }, 'params'],
    ['a value outside the enum', { sistema: 'other', practitionerId: 3 }, 'params.sistema'],
    ['a non-integer id', { sistema: 'iclinic', practitionerId: '3.5' }, 'params.practitionerId'],
    ['a missing required parameter', { sistema: 'iclinic' }, 'params.practitionerId'],
    ['an invalid email', { sistema: 'iclinic', practitionerId: 3, email: 'nope' }, 'params.email'],
  ])('when the execution params have %s, then it gets 400 naming the parameter and nothing is written', async (_case, params, field) => {
    const before = await counts();
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId, params });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  test('when the execution names a job that does not exist, then it gets 400 naming jobId', async () => {
    const res = await h.request('POST', '/api/v1/executions', { jobId: '00000000-0000-0000-0000-000000000000', environmentId, params: {} });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'jobId', message: 'no job has this id' }]);
  });

  test('when an environment name is taken, then it gets 409 CONFLICT', async () => {
    const first = await h.createEnvironment();
    const res = await h.request('POST', '/api/v1/environments', { name: first.name, host: 'h', username: 'u', useAgent: true });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
  });

  test('when an execution id is unknown or malformed, then it gets 404 NOT_FOUND', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-an-id']) {
      const res = await h.request('GET', `/api/v1/executions/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });

  test('when liveness and readiness are asked, then both answer ok without a token', async () => {
    expect((await h.request('GET', '/healthz', undefined, { token: null })).status).toBe(200);
    const ready = await h.request('GET', '/readyz', undefined, { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ postgres: 'ok', temporal: 'ok' });
  });
});
