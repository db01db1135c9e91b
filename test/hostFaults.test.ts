import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../scripts/lib/loopbackSshd';
import { isFinished, startHarness, type Harness } from './support/harness';
import { startMigratorProcess, type MigratorProcess } from './support/migratorProcesses';
import {
  resetBeforeGreetingPeer,
  resettingProxy,
  silentPeer,
  type MisbehavingPeer,
  type ResettingProxy,
} from './support/misbehavingPeers';

const connectTimeoutSeconds = 1;

/**
 * The API and the worker run as their own processes here: a host that crashes one of them
 * shows as an exited process, not as a Jest worker that died with everything in it. As under
 * docker-compose, only the worker has the keys: the API's SSH_KEY_DIR is empty, and its checks
 * run on the worker.
 */
describe('a host or key that misbehaves fails the check or the run with its SSH code; API and worker processes stay up', () => {
  let h: Harness;
  let keyDir: string;
  let apiKeyDir: string;
  let api: MigratorProcess;
  let worker: MigratorProcess;
  let apiUrl: string;
  let resetPeer: MisbehavingPeer;
  let quietPeer: MisbehavingPeer;
  let proxy: ResettingProxy;
  let okJob: string;
  let waitingJob: string;
  let releaseFile: string;
  const envs: Record<string, { id: string; name: string }> = {};

  async function apiCall(method: string, urlPath: string): Promise<{ status: number; contentType: string | null; body: { code?: string; detail?: string } }> {
    const res = await fetch(`${apiUrl}${urlPath}`, { method, headers: { authorization: `Bearer ${h.adminToken}` } });
    return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as { code?: string; detail?: string } };
  }

  const check = (name: string) => apiCall('POST', `/api/v1/environments/${envs[name]!.id}/check`);

  async function expectApiServing(): Promise<void> {
    api.expectRunning();
    expect((await apiCall('GET', '/healthz')).status).toBe(200);
  }

  async function runOn(name: string, jobId = okJob) {
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId: envs[name]!.id, params: {} });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  /** The worker is up and still runs executions to success. */
  async function expectWorkerServing(): Promise<void> {
    worker.expectRunning();
    const done = await h.waitForExecution(await runOn('good'), isFinished, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
    worker.expectRunning();
  }

  /** The attempt number of the last try of `activity` in the execution's workflow. */
  async function lastAttemptOf(executionId: string, activity: string): Promise<number> {
    const history = await h.temporal.workflow.getHandle(`execution-${executionId}`).fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity) ?? [];
    const ids = new Set(scheduled.map((e) => e.eventId?.toString()));
    const started = history.events?.filter((e) => ids.has(e.activityTaskStartedEventAttributes?.scheduledEventId?.toString())) ?? [];
    return Math.max(0, ...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
  }

  beforeAll(async () => {
    h = await startHarness({ worker: false, executionTuning: { retryMaxAttempts: 2, retryMaxIntervalSeconds: 1 } });
    keyDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-keydir-'));
    apiKeyDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-api-keydir-'));
    copyFileSync(h.services.ssh.privateKeyPath, path.join(keyDir, 'client_ed25519_key'));
    writeFileSync(path.join(keyDir, 'garbage_key'), 'this is not a private key\n', { mode: 0o600 });
    execFileSync('mkfifo', [path.join(keyDir, 'fifo_key')]);
    symlinkSync('/dev/zero', path.join(keyDir, 'zero_key'));
    [resetPeer, quietPeer, proxy] = await Promise.all([resetBeforeGreetingPeer(), silentPeer(), resettingProxy(h.services.ssh.port)]);

    const inKeyDir = (file: string) => path.join(keyDir, file);
    const key = { privateKeyPath: inKeyDir('client_ed25519_key') };
    const create = async (name: string, overrides: Record<string, unknown>) => {
      envs[name] = await h.createEnvironment({ name: `${name}-${path.basename(keyDir)}`, ...overrides });
    };
    await create('good', key);
    await create('resetBeforeGreeting', { ...key, port: resetPeer.port });
    await create('silent', { ...key, port: quietPeer.port });
    await create('resetMidRun', { ...key, port: proxy.port });
    await create('unparsableKey', { privateKeyPath: inKeyDir('garbage_key') });
    await create('fifoKey', { privateKeyPath: inKeyDir('fifo_key') });
    await create('devZeroLinked', { privateKeyPath: inKeyDir('zero_key') });
    await create('devZeroNamed', { privateKeyPath: '/dev/zero' });
    await create('passphraseFromDatabaseUrl', key);
    // A row from before the prefix rule: the API no longer lets anyone write it.
    await h.pool.query(`update environments set passphrase_env = 'DATABASE_URL' where id = $1`, [envs.passphraseFromDatabaseUrl!.id]);

    okJob = (await h.createJob({ scriptPath: h.writeScript('ok.js', "console.log('ok');") })).id;
    releaseFile = path.join(h.scriptsDir, 'release');
    const waiting = h.writeScript(
      'waits.js',
      `console.log('started'); const t = setInterval(() => require('fs').existsSync(${JSON.stringify(releaseFile)}) && clearInterval(t), 50); setTimeout(() => clearInterval(t), 60000);`,
    );
    waitingJob = (await h.createJob({ scriptPath: waiting })).id;

    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.services.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      MIGRATOR_ADMIN_TOKEN: h.adminToken,
      PORT: String(port),
      SSH_KEY_DIR: keyDir,
      SSH_CONNECT_TIMEOUT_SECONDS: String(connectTimeoutSeconds),
      ACTIVITY_RETRY_MAX_ATTEMPTS: '2',
      ACTIVITY_RETRY_MAX_INTERVAL_SECONDS: '1',
      KILL_GRACE_SECONDS: '1',
      RECONCILE_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'info',
    };
    worker = startMigratorProcess('worker', env);
    api = startMigratorProcess('api', { ...env, SSH_KEY_DIR: apiKeyDir });
    await Promise.all([worker.waitForOutput('worker started'), api.waitForOutput('api listening')]);
  }, 180_000);

  afterAll(async () => {
    if (releaseFile) writeFileSync(releaseFile, '');
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([resetPeer?.close(), quietPeer?.close(), proxy?.close()]);
    await h?.stop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    if (apiKeyDir) rmSync(apiKeyDir, { recursive: true, force: true });
  });

  test('when the API has no keys and the worker has them, then the check of a reachable environment answers 200 from the worker', async () => {
    const checked = await check('good');
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ hostKeyFingerprint: h.services.ssh.hostKeyFingerprint, pinnedBefore: true, pinnedNow: false });
    await expectApiServing();
  });

  test('when the worker starts, then it warns once about each environment that breaks the key rules, saying how to fix it', () => {
    const warnings = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; environmentName?: string; msg: string })
      .filter((entry) => entry.level === 40 && entry.environmentName !== undefined);
    const named = (name: string) => warnings.filter((w) => w.environmentName === envs[name]!.name);
    for (const name of ['unparsableKey', 'fifoKey', 'devZeroLinked', 'devZeroNamed', 'passphraseFromDatabaseUrl']) {
      expect(named(name)).toHaveLength(1);
      expect(named(name)[0]!.msg).toMatch(/admin|set|PATCH/i);
    }
    expect(named('fifoKey')[0]!.msg).toContain(keyDir);
    expect(named('passphraseFromDatabaseUrl')[0]!.msg).toContain('MIGRATOR_SSH_PASSPHRASE_');
    for (const name of ['good', 'resetBeforeGreeting', 'silent', 'resetMidRun']) expect(named(name)).toEqual([]);
  });

  test('when a host resets TCP before the SSH greeting, then the check is 502 SSH_UNREACHABLE, the run fails SSH_UNREACHABLE, and both processes keep serving', async () => {
    const checked = await check('resetBeforeGreeting');
    expect(checked.status).toBe(502);
    expect(checked.contentType).toMatch(/^application\/problem\+json/);
    expect(checked.body.code).toBe('SSH_UNREACHABLE');
    await expectApiServing();

    const done = await h.waitForExecution(await runOn('resetBeforeGreeting'), isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_UNREACHABLE' });
    await expectWorkerServing();
  }, 90_000);

  test('when a host accepts TCP and stays silent, then the check is 502 SSH_UNREACHABLE after the connect timeout, the run fails SSH_UNREACHABLE, and both processes keep serving', async () => {
    const started = Date.now();
    const checked = await check('silent');
    expect(checked.status).toBe(502);
    expect(checked.body.code).toBe('SSH_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(connectTimeoutSeconds * 1000 + 3000);
    await expectApiServing();

    const done = await h.waitForExecution(await runOn('silent'), isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_UNREACHABLE' });
    await expectWorkerServing();
  }, 90_000);

  test('when every connection to the host is reset mid-run, then the run fails SSH_UNREACHABLE after its retries, and both processes keep serving', async () => {
    const id = await runOn('resetMidRun', waitingJob);
    await h.waitForExecution(id, (e) => e.lineCount >= 1 || isFinished(e), 60_000);
    proxy.resetAll();

    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_UNREACHABLE' });
    expect(done.errorMessage).toContain('could not be confirmed stopped');
    expect(await lastAttemptOf(id, 'runScript')).toBeGreaterThan(1);
    const checked = await check('resetMidRun');
    expect(checked.status).toBe(502);
    expect(checked.body.code).toBe('SSH_UNREACHABLE');
    await expectApiServing();
    await expectWorkerServing();

    // The script may still run on the host: the job does not start there again until it is stopped.
    const again = { jobId: waitingJob, environmentId: envs.resetMidRun!.id, params: {} };
    const refused = await h.request('POST', '/api/v1/executions', again);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ALREADY_RUNNING' });
    expect(refused.body.detail).toContain('could not be confirmed stopped');
    proxy.heal();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await h.pool.query('select stop_pending, remote_stopped_at from executions where id = $1', [id]);
      if (!rows[0].stop_pending) {
        expect(rows[0].remote_stopped_at).not.toBeNull();
        break;
      }
      if (Date.now() > deadline) throw new Error('the reconciler did not stop the run once the host was reachable again');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await h.request('POST', '/api/v1/executions', again)).status).toBe(202);
  }, 90_000);

  test('when the key file is not a key, then the check is 502 SSH_AUTH_FAILED and the run fails SSH_AUTH_FAILED on its first attempt', async () => {
    const checked = await check('unparsableKey');
    expect(checked.status).toBe(502);
    expect(checked.body.code).toBe('SSH_AUTH_FAILED');
    expect(checked.body.detail).toContain(envs.unparsableKey!.name);
    await expectApiServing();

    const id = await runOn('unparsableKey');
    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_AUTH_FAILED' });
    expect(await lastAttemptOf(id, 'validateScript')).toBe(1);
    await expectWorkerServing();
  }, 90_000);

  test('when the key path is a FIFO, then checks answer SSH_AUTH_FAILED at once, key files are still read for other environments, and the run fails SSH_AUTH_FAILED', async () => {
    const started = Date.now();
    // More than libuv's four thread-pool threads: had each open waited for a writer, the good check would hang.
    const checks = await Promise.all(Array.from({ length: 6 }, () => check('fifoKey')));
    expect(checks.map((c) => [c.status, c.body.code])).toEqual(Array.from({ length: 6 }, () => [502, 'SSH_AUTH_FAILED']));
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await check('good')).status).toBe(200);
    await expectApiServing();

    const done = await h.waitForExecution(await runOn('fifoKey'), isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_AUTH_FAILED' });
    await expectWorkerServing();
  }, 90_000);

  test('when the key path is /dev/zero, linked inside SSH_KEY_DIR or named directly, then check and run fail SSH_AUTH_FAILED with one message and neither process grows', async () => {
    const peakBefore = { api: api.peakRssBytes(), worker: worker.peakRssBytes() };
    const linked = await check('devZeroLinked');
    const named = await check('devZeroNamed');
    expect([linked.status, linked.body.code, named.status, named.body.code]).toEqual([502, 'SSH_AUTH_FAILED', 502, 'SSH_AUTH_FAILED']);
    expect(linked.body.detail?.replace(envs.devZeroLinked!.name, '<env>')).toBe(named.body.detail?.replace(envs.devZeroNamed!.name, '<env>'));
    await expectApiServing();

    const runs = await Promise.all(['devZeroLinked', 'devZeroNamed'].map(async (name) => h.waitForExecution(await runOn(name), isFinished, 60_000)));
    for (const done of runs) expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_AUTH_FAILED' });
    await expectWorkerServing();
    expect(api.peakRssBytes() - peakBefore.api).toBeLessThan(64 * 1024 * 1024);
    expect(worker.peakRssBytes() - peakBefore.worker).toBeLessThan(64 * 1024 * 1024);
  }, 90_000);

  test('when a stored environment reads its passphrase from a variable outside MIGRATOR_SSH_PASSPHRASE_, then check and run refuse it, saying how to fix it', async () => {
    const checked = await check('passphraseFromDatabaseUrl');
    expect(checked.status).toBe(502);
    expect(checked.body.code).toBe('SSH_AUTH_FAILED');
    expect(checked.body.detail).toContain('MIGRATOR_SSH_PASSPHRASE_');
    await expectApiServing();

    const done = await h.waitForExecution(await runOn('passphraseFromDatabaseUrl'), isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_AUTH_FAILED' });
    expect(done.errorMessage).toContain('MIGRATOR_SSH_PASSPHRASE_');
    await expectWorkerServing();
  }, 90_000);
});
