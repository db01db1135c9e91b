import { startHarness, type Harness } from './support/harness';

describe('catalog CRUD, archiving, tokens and the audit log', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function auditOf(entityId: string) {
    const res = await h.request('GET', `/api/v1/audit?entityId=${entityId}`);
    expect(res.status).toBe(200);
    return res.body.items as { action: string; actor: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[];
  }

  test('when an admin patches an environment, then only the sent fields change and the audit log has it before and after', async () => {
    const env = await h.createEnvironment({ maxConcurrency: 1 });
    const res = await h.request('PATCH', `/api/v1/environments/${env.id}`, { maxConcurrency: 3, shellInit: '. "$HOME/.nvm/nvm.sh"' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: env.id, name: env.name, maxConcurrency: 3, shellInit: '. "$HOME/.nvm/nvm.sh"' });
    const entries = await auditOf(env.id);
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
    expect(entries[0]).toMatchObject({ actor: 'bootstrap-admin', before: { maxConcurrency: 1, shellInit: null }, after: { maxConcurrency: 3 } });
  });

  test('when a viewer or an operator reads environments, then key paths, passphrase variables and shellInit are not in the answer; an admin sees them', async () => {
    const env = await h.createEnvironment({ shellInit: '. "$HOME/.nvm/nvm.sh"', passphraseEnv: null });
    for (const role of ['viewer', 'operator'] as const) {
      const token = (await h.createToken(role)).token;
      const one = await h.request('GET', `/api/v1/environments/${env.id}`, undefined, { token });
      const list = await h.request('GET', '/api/v1/environments', undefined, { token });
      for (const seen of [one.body, list.body.items.find((e: { id: string }) => e.id === env.id)]) {
        expect(seen).toMatchObject({ id: env.id, host: h.services.ssh.host });
        expect(seen).not.toHaveProperty('privateKeyPath');
        expect(seen).not.toHaveProperty('passphraseEnv');
        expect(seen).not.toHaveProperty('shellInit');
      }
    }
    const asAdmin = await h.request('GET', `/api/v1/environments/${env.id}`);
    expect(asAdmin.body).toMatchObject({ shellInit: '. "$HOME/.nvm/nvm.sh"', privateKeyPath: h.services.ssh.privateKeyPath });
  });

  test('when a patch is empty, unknown, or leaves no way to log in, then it is 400 naming the field and nothing changes', async () => {
    const env = await h.createEnvironment();
    for (const [body, field] of [
      [{}, ''],
      [{ colour: 'red' }, ''],
      [{ privateKeyPath: null }, 'privateKeyPath'],
      [{ maxConcurrency: 0 }, 'maxConcurrency'],
      [{ archived: 'yes' }, 'archived'],
    ] as const) {
      const res = await h.request('PATCH', `/api/v1/environments/${env.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body).toMatchObject({ privateKeyPath: h.services.ssh.privateKeyPath, maxConcurrency: 1 });
    expect((await auditOf(env.id)).map((e) => e.action)).toEqual(['create']);
  });

  test('when something refers to a row, then DELETE is 409 pointing to archiving; archived rows leave the lists and refuse new executions until restored', async () => {
    const env = await h.createEnvironment();
    const script = h.writeScript('ok.sh', 'echo ok\n');
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash' });
    const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(started.status).toBe(202);

    const refused = await h.request('DELETE', `/api/v1/environments/${env.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CONFLICT');
    expect(refused.body.detail).toContain('"archived": true');
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).status).toBe(200);
    const job409 = await h.request('DELETE', `/api/v1/jobs/${job.id}`);
    expect(job409.status).toBe(409);

    const archived = await h.request('PATCH', `/api/v1/environments/${env.id}`, { archived: true });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    const listed = (await h.request('GET', '/api/v1/environments')).body.items.map((e: { id: string }) => e.id);
    expect(listed).not.toContain(env.id);
    const all = (await h.request('GET', '/api/v1/environments?includeArchived=true')).body.items.map((e: { id: string }) => e.id);
    expect(all).toContain(env.id);

    await h.waitForExecution(started.body.id, (e) => ['succeeded', 'failed'].includes(e.status), 60_000);
    const onArchived = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
    expect(onArchived.status).toBe(409);
    expect(onArchived.body.detail).toContain('archived');

    expect((await h.request('PATCH', `/api/v1/environments/${env.id}`, { archived: false })).body.archivedAt).toBeNull();
    expect((await auditOf(env.id)).map((e) => e.action)).toEqual(['unarchive', 'archive', 'create']);
  });

  test('when nothing refers to a row, then DELETE removes it and the audit log keeps what it was', async () => {
    const source = (await h.request('POST', '/api/v1/sources', { name: 'legacy-crm', system: 'crm' })).body;
    const res = await h.request('DELETE', `/api/v1/sources/${source.id}`);
    expect(res.status).toBe(204);
    expect((await h.request('GET', `/api/v1/sources/${source.id}`)).status).toBe(404);
    expect((await h.request('DELETE', `/api/v1/sources/${source.id}`)).status).toBe(404);
    const [deleted] = await auditOf(source.id);
    expect(deleted).toMatchObject({ action: 'delete', before: { name: 'legacy-crm', system: 'crm' }, after: null });
  });

  test('when a job is patched with a bad parameter list or an unknown source, then it is 400 and the job is unchanged', async () => {
    const job = await h.createJob({ scriptPath: '/opt/migrations/tenant.js', parameters: [{ name: 'tenant', type: 'string' }] });
    const cases = [
      { parameters: [{ name: 'a', type: 'string' }, { name: 'a', type: 'integer' }] },
      { parameters: [{ name: 'a', type: 'string', required: false }, { name: 'b', type: 'string' }] },
      { parameters: [{ name: 'a', type: 'string', pattern: '([' }] },
      { sourceId: '00000000-0000-4000-8000-000000000000' },
    ];
    for (const body of cases) expect((await h.request('PATCH', `/api/v1/jobs/${job.id}`, body)).status).toBe(400);
    expect((await h.request('GET', `/api/v1/jobs/${job.id}`)).body).toMatchObject({ sourceId: job.sourceId, parameters: [{ name: 'tenant' }] });
    const ok = await h.request('PATCH', `/api/v1/jobs/${job.id}`, { parameters: [{ name: 'tenant', type: 'string' }, { name: 'dryRun', type: 'boolean', required: false }] });
    expect(ok.status).toBe(200);
    expect(ok.body.parameters.map((p: { name: string }) => p.name)).toEqual(['tenant', 'dryRun']);
  });

  test('when an admin creates a token, then its secret is shown once, works with its role, and stops working once revoked or expired', async () => {
    const created = await h.request('POST', '/api/v1/tokens', { name: 'ci-bot', owner: 'CI-Bot', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^mig_[A-Za-z0-9_-]{40,}$/);
    const listed = await h.request('GET', '/api/v1/tokens');
    const row = listed.body.items.find((t: { id: string }) => t.id === created.body.id);
    expect(row).toMatchObject({ name: 'ci-bot', owner: 'ci-bot', role: 'viewer', createdBy: 'bootstrap-admin', revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const stored = await h.pool.query('select token_sha256 from api_tokens where id = $1', [created.body.id]);
    expect(stored.rows[0].token_sha256.toString('utf8')).not.toContain(created.body.token);

    expect((await h.request('GET', '/api/v1/jobs', undefined, { token: created.body.token })).status).toBe(200);
    expect((await h.request('POST', '/api/v1/sources', { name: 'x', system: 'y' }, { token: created.body.token })).status).toBe(403);

    expect((await h.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await h.request('GET', '/api/v1/jobs', undefined, { token: created.body.token })).status).toBe(401);
    expect((await auditOf(created.body.id)).map((e) => e.action)).toEqual(['revoke', 'create']);

    const expiring = await h.createToken('operator');
    await h.pool.query(`update api_tokens set expires_at = now() - interval '1 second' where id = $1`, [expiring.id]);
    expect((await h.request('GET', '/api/v1/jobs', undefined, { token: expiring.token })).status).toBe(401);

    const past = await h.request('POST', '/api/v1/tokens', { name: 'old', owner: 'old', role: 'viewer', expiresAt: '2000-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.errors[0].path).toBe('expiresAt');
  });

  test('when the audit log is paged, then every entry comes once, newest first; and it cannot be rewritten', async () => {
    for (let i = 0; i < 5; i++) await h.request('POST', '/api/v1/sources', { name: `paged-${i}`, system: 'sys' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await h.request(
        'GET',
        `/api/v1/audit?entityType=source&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = (await h.pool.query(`select id::text from audit_log where entity_type = 'source' order by audit_log.id desc`)).rows.map((r) => r.id);
    expect(seen).toEqual(all);
    await expect(h.pool.query('update audit_log set actor = $1', ['mallory'])).rejects.toThrow(/append-only/);
    await expect(h.pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
    expect((await h.request('GET', '/api/v1/audit?cursor=garbage')).status).toBe(400);
  });
});
