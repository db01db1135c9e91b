import type { LoopbackSshd } from '../../scripts/lib/loopbackSshd';

/** What globalSetup shares with every test file, through one environment variable. */
export interface SharedTestServices {
  temporalAddress: string;
  adminUrl: string;
  template: string;
  /** MIGRATOR_PAYLOAD_KEYS of this run: a key made for it, never written to disk. */
  payloadKeys: string;
  ssh: Pick<LoopbackSshd, 'host' | 'port' | 'username' | 'privateKeyPath' | 'hostKeyFingerprint' | 'dir'>;
}

export const testEnv = 'MIGRATOR_TEST_SERVICES';

export function sharedServices(): SharedTestServices {
  const raw = process.env[testEnv];
  if (!raw) throw new Error('Integration tests need the services of test/support/globalSetup.ts; run them with `npm test`.');
  return JSON.parse(raw) as SharedTestServices;
}
