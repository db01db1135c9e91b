import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { ensureConsoleBuilt } from '../../scripts/lib/consoleBuild';
import { startLoopbackSshd } from '../../scripts/lib/loopbackSshd';
import { startDevServer } from '../../scripts/lib/temporalDevServer';
import { runMigrations } from '../../src/db/migrate';
import { ensureCliBuilt } from '../cli/support/cli';
import { testEnv, type SharedTestServices } from './env';

/**
 * Starts what every integration test shares: one Temporal dev server, one OpenSSH server on
 * loopback, and a template database with the migrations applied (each test file copies it).
 */
export default async function globalSetup(): Promise<void> {
  ensureConsoleBuilt();
  ensureCliBuilt();
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const template = `migrator_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  await runMigrations(templateUrl.toString());

  // The shared host has plain login files: on this machine root's ~/.bashrc runs `pyenv init`,
  // whose rehash lock serialises concurrent logins (one `ssh host true` 0.4 s without it, 1.5 s
  // with it; six at once 1.5 s against 7 s), which made the many-execution tests race their
  // timeouts. The SSH pool tests keep a host of their own with the real login files.
  const [temporal, sshd] = await Promise.all([startDevServer(), startLoopbackSshd({ userLoginFiles: false })]);
  // Every Temporal client and worker of the tests encrypts, as Migrator's do; API and worker
  // processes the tests spawn (demo, fault tests) take the same key from the environment.
  const payloadKeys = `test-${process.pid}:${randomBytes(32).toString('base64')}`;
  process.env.MIGRATOR_PAYLOAD_KEYS = payloadKeys;
  const shared: SharedTestServices = {
    payloadKeys,
    temporalAddress: temporal.address,
    adminUrl,
    template,
    ssh: {
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      dir: sshd.dir,
    },
  };
  process.env[testEnv] = JSON.stringify(shared);
  (globalThis as Record<string, unknown>).__migratorTestStop = async () => {
    await Promise.all([temporal.stop(), sshd.stop()]);
    const cleanup = new Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${template}`);
    await cleanup.end();
  };
}
