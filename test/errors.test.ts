import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

import { isFinished, startHarness, type Harness } from './support/harness';

describe('failures are classified, say what to fix, and run nothing', () => {
  let h: Harness;
  let marker: string;
  let script: string;

  beforeAll(async () => {
    h = await startHarness();
    marker = path.join(h.scriptsDir, 'ran');
    script = h.writeScript('touch.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); console.log('ran');`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function runOn(environment: Record<string, unknown>, job: Record<string, unknown> = {}) {
    const env = await h.createEnvironment(environment);
    const created = await h.createJob({ scriptPath: script, ...job });
    const res = await h.request('POST', '/api/v1/executions', { jobId: created.id, environmentId: env.id, params: {} });
    expect(res.status).toBe(202);
    return h.waitForExecution(res.body.id, isFinished);
  }

  test('when the host presents a key other than the pinned one, then it fails HOST_KEY_MISMATCH naming both fingerprints', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const done = await runOn({ hostKeyFingerprint: wrong });
    expect(done).toMatchObject({ status: 'failed', errorCode: 'HOST_KEY_MISMATCH' });
    expect(done.errorMessage).toContain(wrong);
    expect(done.errorMessage).toContain(h.services.ssh.hostKeyFingerprint);
    expect(existsSync(marker)).toBe(false);
  });

  test('when no host key is pinned, then it refuses to connect and says how to pin one', async () => {
    const done = await runOn({ hostKeyFingerprint: null });
    expect(done).toMatchObject({ status: 'failed', errorCode: 'HOST_KEY_MISMATCH' });
    expect(done.errorMessage).toContain('ssh-keygen -lf');
    expect(existsSync(marker)).toBe(false);
  });

  test('when the key is not authorized on the host, then it fails SSH_AUTH_FAILED at once (not retried)', async () => {
    const started = Date.now();
    const done = await runOn({ privateKeyPath: path.join(h.services.ssh.dir, 'ssh_host_ed25519_key') });
    expect(done).toMatchObject({ status: 'failed', errorCode: 'SSH_AUTH_FAILED' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(existsSync(marker)).toBe(false);
  });

  test('when the node binary does not exist, then it fails INTERPRETER_NOT_FOUND pointing at nodePath and shellInit', async () => {
    const done = await runOn({ nodePath: '/opt/nowhere/bin/node' });
    expect(done).toMatchObject({ status: 'failed', errorCode: 'INTERPRETER_NOT_FOUND' });
    expect(done.errorMessage).toContain('shellInit');
    expect(existsSync(marker)).toBe(false);
  });

  test('when node is only reachable through shellInit (as with nvm), then the script runs with it', async () => {
    const binDir = path.join(h.scriptsDir, 'nvm-like', 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(process.execPath, path.join(binDir, 'node-from-init'));
    const shim = h.writeScript('nvm.sh', `export PATH=${JSON.stringify(binDir)}:"$PATH"\n`);
    const done = await runOn({ nodePath: null, shellInit: `. ${shim}` }, { interpreter: 'exec', scriptPath: h.writeScript('via-init.sh', '#!/bin/sh\nexec node-from-init -e "console.log(process.version)"\n') });
    expect(done).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const logs = await h.request('GET', `/api/v1/executions/${done.id}/logs`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual([process.version]);
  });
});
