import { startHarness, type Harness } from './support/harness';

describe('what the Run form gets from the server: the params schema and a preview', () => {
  let h: Harness;
  let job: { id: string };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    job = await h.createJob({
      scriptPath: '/srv/migrations/orchestrate-import.js',
      parameters: [
        { name: 'sistema', type: 'enum', values: ['iclinic', 'medpro'], description: 'the source system' },
        { name: 'practitionerId', type: 'integer', min: 1 },
        { name: 'dryRun', type: 'boolean' },
        { name: 'contact', type: 'email', required: false },
      ],
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when the params schema of a job is read, then it is JSON Schema 2020-12 with each parameter’s type and limits, in order', async () => {
    const res = await h.request('GET', `/api/v1/jobs/${job.id}/params-schema`, undefined, { token: (await h.createToken('viewer')).token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      required: ['sistema', 'practitionerId', 'dryRun'],
      'x-order': ['sistema', 'practitionerId', 'dryRun', 'contact'],
      properties: {
        sistema: { title: 'sistema', description: 'the source system', type: 'string', enum: ['iclinic', 'medpro'] },
        practitionerId: { title: 'practitionerId', type: 'integer', minimum: 1 },
        dryRun: { title: 'dryRun', type: 'boolean' },
        contact: { title: 'contact', type: 'string', format: 'email', maxLength: 320 },
      },
    });
    expect((await h.request('GET', '/api/v1/jobs/00000000-0000-4000-8000-000000000000/params-schema')).status).toBe(404);
  });

  test('when a run is previewed, then it shows the interpreter, script and normalised arguments in order; bad params are refused at their field', async () => {
    const env = await h.createEnvironment({ nodePath: '/opt/node20/bin/node' });
    const ok = await h.request('POST', `/api/v1/jobs/${job.id}/preview`, {
      environmentId: env.id,
      params: { sistema: 'iclinic', practitionerId: '0320623', dryRun: false },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      interpreter: 'node',
      scriptPath: '/srv/migrations/orchestrate-import.js',
      argv: ['iclinic', '320623', 'false'],
      commandLine: '/opt/node20/bin/node /srv/migrations/orchestrate-import.js iclinic 320623 false',
    });

    const bad = await h.request('POST', `/api/v1/jobs/${job.id}/preview`, { params: { sistema: 'other', dryRun: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { path: 'params.sistema', message: 'must be one of "iclinic", "medpro", got "other"' },
      { path: 'params.practitionerId', message: 'is required (an integer)' },
      { path: 'params.dryRun', message: 'must be true or false, got "maybe"' },
    ]);
  });
});
