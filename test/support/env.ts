/** What globalSetup shares with every test file, through one environment variable. */
export interface SharedTestServices {
  temporalAddress: string;
  adminUrl: string;
  template: string;
  ssh: {
    host: string;
    port: number;
    username: string;
    privateKeyPath: string;
    hostKeyFingerprint: string;
    dir: string;
  };
}

export const testEnv = 'MIGRATOR_TEST_SERVICES';

export function sharedServices(): SharedTestServices {
  const raw = process.env[testEnv];
  if (!raw) throw new Error('Integration tests need the services of test/support/globalSetup.ts; run them with `npm test`.');
  return JSON.parse(raw) as SharedTestServices;
}
