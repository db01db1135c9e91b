import { rmSync } from 'node:fs';

import { startHarness, type Harness, type HarnessOptions } from '../../support/harness';
import { configHome } from './cli';

/** One test file's stack for the CLI: the harness, an environment, and the CLI's own config home and variables. */
export interface CliWorld {
  h: Harness;
  environmentName: string;
  /** XDG_CONFIG_HOME, MIGRATOR_URL and MIGRATOR_TOKEN for the CLI. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `operator`: the CLI sends a new operator token of that name and owner; the admin token otherwise. */
export async function startCliWorld(options: HarnessOptions & { operator?: { name: string; owner: string } } = {}): Promise<CliWorld> {
  const h = await startHarness(options);
  const environmentName = (await h.createEnvironment()).name;
  const home = configHome();
  const token = options.operator ? (await h.createToken('operator', options.operator.name, options.operator.owner)).token : h.adminToken;
  return {
    h,
    environmentName,
    env: { XDG_CONFIG_HOME: home, MIGRATOR_URL: h.url, MIGRATOR_TOKEN: token },
    async stop() {
      await h.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
