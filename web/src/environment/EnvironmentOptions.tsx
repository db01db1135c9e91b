import type { Environment } from '@migrator/api-client';

/** An environment's options of a select, production said in words. */
export function EnvironmentOptions({ environments }: { environments: Environment[] }) {
  return environments.map((env) => (
    <option key={env.id} value={env.id}>
      {env.name}
      {env.production ? ' (production)' : ''}
    </option>
  ));
}
