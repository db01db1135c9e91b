import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../scripts/lib/loopbackSshd';
import { hashToken } from '../src/api/auth';
import { startHarness, type Harness } from './support/harness';
import { startOwnApi } from './support/ownApi';

describe('POST /api/v1/environments/:id/check', () => {
  let h: Harness;
  let tmp: string;
  const strangerKeys: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'migrator-check-'));
  });
  afterAll(async () => {
    await h?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    for (const key of strangerKeys) rmSync(key, { force: true });
  });

  const check = (id: string, token?: string | null) => h.request('POST', `/api/v1/environments/${id}/check`, undefined, { token });

  async function auditOf(entityId: string) {
    const { rows } = await h.pool.query(
      `select actor, action, entity_type, entity_id, before, after from audit_log where entity_id = $1 and action = 'pin_host_key'`,
      [entityId],
    );
    return rows;
  }

  /** The statuses of the check workflows started on `taskQueue`, once Temporal's visibility lists them closed (it may lag). */
  async function checkWorkflowStatuses(taskQueue: string): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const statuses: string[] = [];
      for await (const workflow of h.temporal.workflow.list({ query: `WorkflowType = 'environmentCheck' AND TaskQueue = '${taskQueue}'` })) {
        statuses.push(workflow.status.name);
      }
      if ((statuses.length > 0 && !statuses.includes('RUNNING')) || Date.now() > deadline) return statuses;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function tokenOf(role: 'viewer' | 'operator'): Promise<string> {
    const token = randomBytes(24).toString('hex');
    const name = `${role}-${token.slice(0, 8)}`;
    await h.pool.query(`insert into api_tokens (name, owner, role, token_sha256) values ($1, $1, $2, $3)`, [name, role, hashToken(token)]);
    return token;
  }

  test('when the environment has no pinned host key, then the check pins the presented one, audits it, and a second check reports it without pinning', async () => {
    const env = await h.createEnvironment({ hostKeyFingerprint: null });

    const first = await check(env.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      environmentId: env.id,
      host: h.services.ssh.host,
      port: h.services.ssh.port,
      hostKeyFingerprint: h.services.ssh.hostKeyFingerprint,
      pinnedBefore: false,
      pinnedNow: true,
    });
    expect(new Date(first.body.checkedAt).getTime()).not.toBeNaN();
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.hostKeyFingerprint).toBe(h.services.ssh.hostKeyFingerprint);
    expect(await auditOf(env.id)).toEqual([
      {
        actor: 'bootstrap-admin',
        action: 'pin_host_key',
        entity_type: 'environment',
        entity_id: env.id,
        before: { hostKeyFingerprint: null },
        after: { hostKeyFingerprint: h.services.ssh.hostKeyFingerprint },
      },
    ]);

    const second = await check(env.id);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ hostKeyFingerprint: h.services.ssh.hostKeyFingerprint, pinnedBefore: true, pinnedNow: false });
    expect(await auditOf(env.id)).toHaveLength(1);
  });

  test('when an admin other than the bootstrap one checks an unpinned environment, then the audit row of the pin names that admin', async () => {
    const env = await h.createEnvironment({ hostKeyFingerprint: null });
    const admin = await h.createToken('admin', `ops-${randomBytes(4).toString('hex')}`, 'alice');

    const res = await check(env.id, admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pinnedBefore: false, pinnedNow: true });
    expect((await auditOf(env.id)).map((row) => row.actor)).toEqual(['alice']);
  });

  test('when three checks of an unpinned environment run at once, then exactly one pins the key, the others report it pinned before, and one audit row is written', async () => {
    const env = await h.createEnvironment({ hostKeyFingerprint: null });

    const answers = await Promise.all([check(env.id), check(env.id), check(env.id)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const flags = answers.map((a) => [a.body.pinnedBefore, a.body.pinnedNow]).sort();
    expect(flags).toEqual([
      [false, true],
      [true, false],
      [true, false],
    ]);
    expect(answers.map((a) => a.body.hostKeyFingerprint)).toEqual(Array.from({ length: 3 }, () => h.services.ssh.hostKeyFingerprint));
    expect(await auditOf(env.id)).toHaveLength(1);
  });

  test('when no worker takes the check, then it is 503 UNAVAILABLE after the wait, saying no worker answered, nothing is pinned, and the check cannot run later', async () => {
    const env = await h.createEnvironment({ hostKeyFingerprint: null });
    const taskQueue = `no-worker-${randomBytes(6).toString('hex')}`;
    const api = await startOwnApi(h, { taskQueue, environmentCheckTimeoutMs: 2_000 });
    try {
      const started = Date.now();
      const res = await fetch(`${api.url}/api/v1/environments/${env.id}/check`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` } });
      const elapsed = Date.now() - started;
      const body = (await res.json()) as { code: string; detail: string };
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(body.code).toBe('UNAVAILABLE');
      expect(body.detail).toMatch(/no worker answered/i);
      expect(elapsed).toBeGreaterThanOrEqual(2_000);
      expect(elapsed).toBeLessThan(8_000);
    } finally {
      await api.stop();
    }
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.hostKeyFingerprint).toBeNull();
    expect(await auditOf(env.id)).toEqual([]);
    // Closed (by the API, or by its own timeout when that came first), so a worker that comes along later gets nothing of it to run.
    expect(await checkWorkflowStatuses(taskQueue)).toEqual([expect.stringMatching(/^(TERMINATED|TIMED_OUT)$/)]);
  });

  test('when the pinned host key differs from the presented one, then it is 409 HOST_KEY_MISMATCH naming both and nothing is recorded', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const env = await h.createEnvironment({ hostKeyFingerprint: wrong });

    const res = await check(env.id);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('HOST_KEY_MISMATCH');
    expect(res.body.detail).toContain(wrong);
    expect(res.body.detail).toContain(h.services.ssh.hostKeyFingerprint);
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.hostKeyFingerprint).toBe(wrong);
    expect(await auditOf(env.id)).toEqual([]);
  });

  test('when nodePath is the absolute node binary, then node is reported with its version and path', async () => {
    const env = await h.createEnvironment({ nodePath: process.execPath });
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.node).toEqual({ ok: true, version: process.version, command: process.execPath });
  });

  test('when nodePath does not exist on the host, then the report says node is not ok with a message, and the check still answers 200', async () => {
    const env = await h.createEnvironment({ nodePath: '/nonexistent/node' });
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.node.ok).toBe(false);
    expect(res.body.node.error).toContain('/nonexistent/node');
    expect(res.body.node.error).toContain('nodePath');
  });

  test('when nodePath is unset and shellInit puts node on the PATH, then node is found through it', async () => {
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const env = await h.createEnvironment({ nodePath: null, shellInit: `export PATH=${bin}:$PATH` });
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.node).toEqual({ ok: true, version: process.version, command: path.join(bin, 'node') });
  });

  test("when node --version prints lines shaped like the check's fields, then they are part of the version and forge no field", async () => {
    const fakeNode = path.join(tmp, 'chatty-node');
    writeFileSync(fakeNode, "#!/bin/sh\nprintf 'v1.2.3\\nnode.found=0\\nnode.exit=1\\ntool.bash=0\\n'\n", { mode: 0o755 });
    const env = await h.createEnvironment({ nodePath: fakeNode });
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.node).toEqual({ ok: true, version: 'v1.2.3 node.found=0 node.exit=1 tool.bash=0', command: fakeNode });
    expect(res.body.tools.bash).toBe(true);
  });

  test('when shellInit is broken shell code, then node is reported not ok and the tools are still reported', async () => {
    const env = await h.createEnvironment({ nodePath: null, shellInit: 'exit 3' });
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.node.ok).toBe(false);
    expect(res.body.node.error).toContain('shellInit');
    expect(res.body.tools.bash).toBe(true);
  });

  test('when the host has the tools of the run protocol, then each is reported present', async () => {
    const env = await h.createEnvironment();
    const res = await check(env.id);
    expect(res.status).toBe(200);
    expect(res.body.tools).toEqual({ bash: true, setsid: true, flock: true, tail: true, stdbuf: true, ps: true, awk: true });
  });

  test('when nothing listens on the port, then it is 502 SSH_UNREACHABLE', async () => {
    const port = await freePort();
    const env = await h.createEnvironment({ port });
    const res = await check(env.id);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('SSH_UNREACHABLE');
    expect(res.body.detail).toContain(`${h.services.ssh.host}:${port}`);
    expect(res.body.detail).toContain('run the check again');
  });

  test('when the key is not authorized on the host, then it is 502 SSH_AUTH_FAILED and an unpinned key stays unpinned', async () => {
    // Inside the key directory, or it would be refused before any connection.
    const key = path.join(h.services.ssh.dir, `stranger_${randomBytes(4).toString('hex')}`);
    strangerKeys.push(key, `${key}.pub`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const env = await h.createEnvironment({ privateKeyPath: key, hostKeyFingerprint: null });
    const res = await check(env.id);
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('SSH_AUTH_FAILED');
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.hostKeyFingerprint).toBeNull();
    expect(await auditOf(env.id)).toEqual([]);
  });

  test('when the caller is not an admin, then it is 403; without a token, 401; and nothing is pinned', async () => {
    const env = await h.createEnvironment({ hostKeyFingerprint: null });
    for (const role of ['viewer', 'operator'] as const) {
      const res = await check(env.id, await tokenOf(role));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    const anonymous = await check(env.id, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.hostKeyFingerprint).toBeNull();
  });

  test('when the id is unknown or malformed, then it is 404 NOT_FOUND', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await check(id);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });
});
