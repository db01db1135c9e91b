import { readSse, type SseEvent } from './support/rawSse';
import { startOwnApi, type OwnApi } from './support/ownApi';
import { startHarness, type Harness } from './support/harness';

describe('console sessions: a token exchanged for an HttpOnly cookie', () => {
  let h: Harness;
  let origin: string;

  beforeAll(async () => {
    h = await startHarness();
    origin = new URL(h.url).origin;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function signIn(token: string, url = h.url, from = origin) {
    const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { origin: from, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const cookie = res.headers.get('set-cookie') ?? '';
    return { status: res.status, body: await res.json(), setCookie: cookie, cookie: cookie.split(';')[0]! };
  }
  const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({ token: null, headers: { cookie, ...extra } });
  const sessionCount = async () => Number((await h.pool.query('select count(*) from sessions')).rows[0].count);

  test('when an operator signs in with a wrong token, then it is 401 saying so; with a right one, then an HttpOnly SameSite=Strict cookie authenticates them until they sign out', async () => {
    const wrong = await signIn('mig_not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(wrong.setCookie).toBe('');

    const operator = await h.createToken('operator', 'carol-laptop', 'Carol');
    const session = await signIn(operator.token);
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ login: 'carol', role: 'operator', tokenName: 'carol-laptop' });
    expect(session.setCookie).toMatch(/^migrator_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict$/);
    const stored = await h.pool.query('select secret_sha256 from sessions order by created_at desc limit 1');
    expect(stored.rows[0].secret_sha256.toString('utf8')).not.toContain(session.cookie.split('=')[1]);

    const me = await h.request('GET', '/api/v1/me', undefined, withCookie(session.cookie));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ login: 'carol', role: 'operator', authenticatedBy: 'session' });
    expect(Date.parse(me.body.sessionExpiresAt)).toBeGreaterThan(Date.now() + 11 * 3600_000);

    const out = await h.request('DELETE', '/api/v1/session', undefined, withCookie(session.cookie, { origin }));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^migrator_session=; .*Max-Age=0/);
    expect((await h.request('GET', '/api/v1/me', undefined, withCookie(session.cookie))).status).toBe(401);
  });

  test('when a session’s token is revoked, then the session is refused at its next request', async () => {
    const viewer = await h.createToken('viewer');
    const session = await signIn(viewer.token);
    expect((await h.request('GET', '/api/v1/jobs', undefined, withCookie(session.cookie))).status).toBe(200);
    expect((await h.request('DELETE', `/api/v1/tokens/${viewer.id}`)).status).toBe(204);
    const after = await h.request('GET', '/api/v1/jobs', undefined, withCookie(session.cookie));
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
  });

  test('when a page from another origin, or no origin, writes with the cookie (JSON sent as text/plain), then it is 403 and no table changes; from the console’s origin it works', async () => {
    const admin = await signIn(h.adminToken);
    const other = `http://127.0.0.1:${Number(new URL(h.url).port) + 1}`;
    const sourcesBefore = (await h.pool.query('select count(*)::int as n from sources')).rows[0].n;
    for (const headers of [{ origin: other }, {}, { origin: 'null' }] as Record<string, string>[]) {
      const res = await h.request('POST', '/api/v1/sources', undefined, {
        ...withCookie(admin.cookie, { ...headers, 'content-type': 'text/plain' }),
        rawBody: JSON.stringify({ name: 'csrf', system: 'x' }),
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect((await h.pool.query('select count(*)::int as n from sources')).rows[0].n).toBe(sourcesBefore);

    const sessionsBefore = await sessionCount();
    const foreign = await signIn(h.adminToken, h.url, other);
    expect(foreign.status).toBe(403);
    expect(foreign.setCookie).toBe('');
    expect(await sessionCount()).toBe(sessionsBefore);

    const ok = await h.request('POST', '/api/v1/sources', { name: 'from-the-console', system: 'x' }, withCookie(admin.cookie, { origin }));
    expect(ok.status).toBe(201);
    expect((await h.pool.query('select actor from audit_log where entity_id = $1', [ok.body.id])).rows[0].actor).toBe('bootstrap-admin');
  });

  describe('with a short idle time', () => {
    let api: OwnApi;

    beforeAll(async () => {
      api = await startOwnApi(h, { sessionIdleSeconds: 2, sseTokenRecheckSeconds: 1 });
    });
    afterAll(async () => {
      await api?.stop();
    });

    test('when a session stays unused longer than its idle time, then it ends', async () => {
      const viewer = await h.createToken('viewer');
      const session = await signIn(viewer.token, api.url, api.publicOrigin);
      expect(session.status).toBe(201);
      expect((await fetch(`${api.url}/api/v1/me`, { headers: { cookie: session.cookie } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await fetch(`${api.url}/api/v1/me`, { headers: { cookie: session.cookie } })).status).toBe(401);
    });

    test('when the session of an open live-log stream signs out, then the stream says so and ends within the re-check interval', async () => {
      const env = await h.createEnvironment();
      const job = await h.createJob({ scriptPath: h.writeScript('session-sleeper.js', 'setTimeout(() => {}, 30000)') });
      const started = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: env.id, params: {} });
      const viewer = await h.createToken('viewer');
      const session = await signIn(viewer.token, api.url, api.publicOrigin);
      const events: SseEvent[] = [];
      const following = readSse(`${api.url}/api/v1/executions/${started.body.id}/logs/stream`, { cookie: session.cookie }, (e) => {
        events.push(e);
      });
      await new Promise((r) => setTimeout(r, 500));
      const out = await fetch(`${api.url}/api/v1/session`, { method: 'DELETE', headers: { cookie: session.cookie, origin: api.publicOrigin } });
      expect(out.status).toBe(204);
      const endedAt = Date.now();
      await following;
      expect(Date.now() - endedAt).toBeLessThan(4000);
      const last = events.at(-1)!;
      expect(last.event).toBe('unauthenticated');
      expect(JSON.parse(last.data)).toMatchObject({ code: 'UNAUTHENTICATED', title: 'Session ended' });
      await h.request('POST', `/api/v1/executions/${started.body.id}/cancel`);
    }, 30_000);
  });
});
