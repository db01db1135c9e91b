import { randomUUID } from 'node:crypto';

import { MockActivityEnvironment } from '@temporalio/testing';
import type { ClientChannel } from 'ssh2';

import { runScript } from '../src/activities/runScript';
import { createLogger } from '../src/logger';
import type { SshSession, SshTarget } from '../src/ssh/connection';
import type { SshPool } from '../src/ssh/sshPool';
import { startHarness, type Harness } from './support/harness';

/** A host whose follower channels fail to open at once, while the start takes a while and then fails too. */
function flakyHost(): SshPool {
  const session: SshSession = {
    hostKeyFingerprint: 'SHA256:test',
    exec: (command: string): Promise<ClientChannel> =>
      /tail -c/.test(command)
        ? Promise.reject(new Error('channel open failure (follower)'))
        : new Promise((_resolve, reject) => setTimeout(() => reject(new Error('channel open failure (start)')), 200)),
  };
  return { session: async () => session } as unknown as SshPool;
}

describe('runScript when channels fail', () => {
  let h: Harness;
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    process.on('unhandledRejection', record);
  });
  afterAll(async () => {
    process.off('unhandledRejection', record);
    await h?.stop();
  });

  test('when a follower channel fails to open while the start is still pending, then the attempt fails with the start error and no promise is left unhandled', async () => {
    const env = await h.createEnvironment();
    const job = await h.createJob({ scriptPath: '/bin/true', interpreter: 'exec' });
    const id = randomUUID();
    await h.pool.query(
      `insert into executions (id, job_id, environment_id, params, started_by, workflow_id, status, started_at)
       values ($1, $2, $3, '{}', 'tester', $4, 'running', now())`,
      [id, job.id, env.id, `execution-${id}`],
    );
    const target: SshTarget = {
      environmentName: env.name,
      host: '127.0.0.1',
      port: 22,
      username: 'nobody',
      privateKeyPath: null,
      passphraseEnv: null,
      useAgent: false,
      hostKeyFingerprint: 'SHA256:test',
    };
    const deps = { pool: h.pool, ssh: flakyHost(), logger: createLogger('test', 'silent'), killGraceSeconds: 1 };

    await expect(new MockActivityEnvironment().run(runScript, deps, id, target)).rejects.toThrow(/start/);
    // Unhandled rejections are reported after the microtask queue drains: give it a turn.
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
  });
});
