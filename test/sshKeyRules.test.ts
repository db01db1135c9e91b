import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { MigratorError } from '../src/errors';
import { openConnection, type SshTarget } from '../src/ssh/connection';
import { sharedServices } from './support/env';
import { startHarness, type Harness } from './support/harness';

const sshd = sharedServices().ssh;
const environmentName = 'key-rules';
const passphrase = 'correct horse battery staple';

function targetWith(privateKeyPath: string, passphraseEnv: string | null = null): SshTarget {
  return {
    environmentName,
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKeyPath,
    passphraseEnv,
    useAgent: false,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  };
}

/** The MigratorError an attempt to connect failed with (fails the test if it connected). */
async function refusal(keyDir: string, target: SshTarget): Promise<MigratorError> {
  const outcome = await openConnection(target, { keyDir, connectTimeoutMs: 5000 }).then(
    (conn) => {
      conn.close();
      return new Error(`connected with ${target.privateKeyPath}`);
    },
    (err: unknown) => err,
  );
  if (!(outcome instanceof MigratorError)) throw outcome;
  return outcome;
}

async function connects(keyDir: string, target: SshTarget): Promise<void> {
  const conn = await openConnection(target, { keyDir, connectTimeoutMs: 5000 });
  expect(conn.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
  conn.close();
}

/** Resolves within `ms` or fails the test, rather than hanging it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('key files are read only inside SSH_KEY_DIR, safely, with one message whatever is wrong', () => {
  let keyDir: string;
  let outside: string;
  const fifos: string[] = [];

  beforeAll(() => {
    keyDir = mkdtempSync(path.join(os.tmpdir(), 'migrator-keys-'));
    outside = mkdtempSync(path.join(os.tmpdir(), 'migrator-outside-'));
    copyFileSync(sshd.privateKeyPath, path.join(keyDir, 'client_key'));
    copyFileSync(sshd.privateKeyPath, path.join(outside, 'client_key'));
    mkdirSync(path.join(keyDir, 'real'));
    copyFileSync(sshd.privateKeyPath, path.join(keyDir, 'real', 'client_key'));
    symlinkSync(path.join(keyDir, 'real'), path.join(keyDir, 'linked-dir'));
    symlinkSync(outside, path.join(keyDir, 'escape-dir'));
    symlinkSync(path.join(keyDir, 'client_key'), path.join(keyDir, 'link-inside'));
    symlinkSync(path.join(outside, 'client_key'), path.join(keyDir, 'link-outside'));
    symlinkSync('/dev/zero', path.join(keyDir, 'zero'));
    execFileSync('mknod', [path.join(keyDir, 'device'), 'c', '1', '5']);
    for (const name of ['fifo', 'fifo2']) {
      fifos.push(path.join(keyDir, name));
      execFileSync('mkfifo', [path.join(keyDir, name)]);
    }
    mkdirSync(path.join(keyDir, 'a-directory'));
    writeFileSync(path.join(keyDir, 'too-big'), `${readFileSync(sshd.privateKeyPath, 'utf8')}${'\n'.repeat(64 * 1024)}`);
    writeFileSync(path.join(keyDir, 'not-a-key'), 'hello, I am not a key\n');
    copyFileSync(`${sshd.privateKeyPath}.pub`, path.join(keyDir, 'public-only'));
    copyFileSync(sshd.privateKeyPath, path.join(keyDir, 'encrypted'));
    execFileSync('ssh-keygen', ['-q', '-p', '-a', '4', '-P', '', '-N', passphrase, '-f', path.join(keyDir, 'encrypted')]);
  });
  afterAll(() => {
    // Should an open ever wait on a FIFO, a writer lets it go, so nothing outlives the file.
    for (const fifo of fifos) {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader waiting: nothing to release
      }
    }
    rmSync(keyDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('when privateKeyPath is relative, then it is read inside SSH_KEY_DIR; absolute inside it, also through a linked directory or a linked SSH_KEY_DIR, then it is used', async () => {
    await connects(keyDir, targetWith('client_key'));
    await connects(keyDir, targetWith('real/client_key'));
    await connects(keyDir, targetWith(path.join(keyDir, 'client_key')));
    await connects(keyDir, targetWith(path.join(keyDir, 'linked-dir', 'client_key')));
    const linkedKeyDir = path.join(outside, 'keys-link');
    symlinkSync(keyDir, linkedKeyDir);
    await connects(linkedKeyDir, targetWith(path.join(keyDir, 'client_key')));
    await connects(keyDir, targetWith(path.join(linkedKeyDir, 'client_key')));
  });

  test('when privateKeyPath is missing, outside SSH_KEY_DIR, a symlink, a FIFO, a device, a directory or over 64 KiB, then each is SSH_AUTH_FAILED with one message naming the environment and SSH_KEY_DIR', async () => {
    const paths = [
      'missing',
      path.join(keyDir, 'missing'),
      path.join(outside, 'client_key'),
      '../' + path.basename(outside) + '/client_key',
      'escape-dir/client_key',
      'link-inside',
      'link-outside',
      'fifo',
      'zero',
      'device',
      '/dev/zero',
      'a-directory',
      '.',
      'too-big',
    ];
    const refusals = [];
    for (const privateKeyPath of paths) refusals.push(await within(3000, privateKeyPath, refusal(keyDir, targetWith(privateKeyPath))));
    const message = refusals[0]!.message;
    expect(message).toContain(`"${environmentName}"`);
    expect(message).toContain('SSH_KEY_DIR');
    expect(message).toContain(keyDir);
    expect(refusals.map((r) => [r.code, r.message])).toEqual(paths.map(() => ['SSH_AUTH_FAILED', message]));
  });

  test('when privateKeyPath is a FIFO, then six opens at once fail within a second and the thread pool is still free for file reads', async () => {
    const attempts = Array.from({ length: 6 }, (_, i) => refusal(keyDir, targetWith(path.join(keyDir, i % 2 ? 'fifo' : 'fifo2'))));
    const refusals = await within(1000, 'six FIFO keys', Promise.all(attempts));
    expect(refusals.map((r) => r.code)).toEqual(Array.from({ length: 6 }, () => 'SSH_AUTH_FAILED'));
    await within(1000, 'a file read after them', readFile(sshd.privateKeyPath));
  });

  test('when privateKeyPath is /dev/zero, linked inside SSH_KEY_DIR or named directly, then it fails at once and the process does not grow', async () => {
    const peakBefore = process.resourceUsage().maxRSS;
    for (const privateKeyPath of [path.join(keyDir, 'zero'), '/dev/zero', path.join(keyDir, 'device')]) {
      expect((await within(2000, privateKeyPath, refusal(keyDir, targetWith(privateKeyPath)))).code).toBe('SSH_AUTH_FAILED');
    }
    // maxRSS is in KiB.
    expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(32 * 1024);
  });

  test('when the key file is not a private key, then it is SSH_AUTH_FAILED before any connection, naming the environment', async () => {
    for (const privateKeyPath of [path.join(keyDir, 'not-a-key'), path.join(keyDir, 'public-only')]) {
      const refused = await refusal(keyDir, targetWith(privateKeyPath));
      expect(refused.code).toBe('SSH_AUTH_FAILED');
      expect(refused.message).toContain(`"${environmentName}"`);
    }
  });

  describe('with an encrypted key', () => {
    const allowed = 'MIGRATOR_SSH_PASSPHRASE_KEY_RULES';
    const encrypted = () => path.join(keyDir, 'encrypted');
    const forbidden = 'KEY_RULES_PASSPHRASE';
    afterEach(() => {
      delete process.env[allowed];
      delete process.env[forbidden];
    });

    test('when the passphrase is missing or wrong, then it is SSH_AUTH_FAILED; when right, then it connects', async () => {
      expect((await refusal(keyDir, targetWith(encrypted()))).code).toBe('SSH_AUTH_FAILED');
      expect((await refusal(keyDir, targetWith(encrypted(), allowed))).code).toBe('SSH_AUTH_FAILED');
      process.env[allowed] = 'wrong';
      expect((await refusal(keyDir, targetWith(encrypted(), allowed))).code).toBe('SSH_AUTH_FAILED');
      process.env[allowed] = passphrase;
      await connects(keyDir, targetWith(encrypted(), allowed));
    });

    test('when passphraseEnv does not start with MIGRATOR_SSH_PASSPHRASE_, then it is refused without reading the variable, saying how to fix it', async () => {
      process.env[forbidden] = passphrase;
      const refused = await refusal(keyDir, targetWith(encrypted(), forbidden));
      expect(refused.code).toBe('SSH_AUTH_FAILED');
      expect(refused.message).toContain('MIGRATOR_SSH_PASSPHRASE_');
      expect(refused.message).toContain(forbidden);
    });
  });
});

describe('the API keeps passphraseEnv to MIGRATOR_SSH_PASSPHRASE_ and accepts key paths relative to SSH_KEY_DIR', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when passphraseEnv does not start with MIGRATOR_SSH_PASSPHRASE_, then POST and PATCH /environments are 400 VALIDATION_FAILED naming passphraseEnv', async () => {
    const created = await h.request('POST', '/api/v1/environments', {
      name: 'passphrase-from-database-url',
      host: '127.0.0.1',
      username: 'deploy',
      privateKeyPath: 'id_ed25519',
      passphraseEnv: 'DATABASE_URL',
    });
    expect(created.status).toBe(400);
    expect(created.body.code).toBe('VALIDATION_FAILED');
    expect(created.body.errors).toEqual([{ path: 'passphraseEnv', message: expect.stringContaining('MIGRATOR_SSH_PASSPHRASE_') }]);

    const env = await h.createEnvironment({ passphraseEnv: 'MIGRATOR_SSH_PASSPHRASE_STAGING' });
    const patched = await h.request('PATCH', `/api/v1/environments/${env.id}`, { passphraseEnv: 'PGPASSWORD' });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([{ path: 'passphraseEnv', message: expect.stringContaining('MIGRATOR_SSH_PASSPHRASE_') }]);
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.passphraseEnv).toBe('MIGRATOR_SSH_PASSPHRASE_STAGING');
  });

  test('when privateKeyPath is relative, then the API stores it as given (the worker resolves it inside SSH_KEY_DIR)', async () => {
    const env = await h.createEnvironment({ privateKeyPath: 'staging/id_ed25519' });
    expect((await h.request('GET', `/api/v1/environments/${env.id}`)).body.privateKeyPath).toBe('staging/id_ed25519');
  });
});
