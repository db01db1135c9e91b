import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { configSchema } from '../src/config';
import { searchAttributeRegistrations } from '../src/temporal/searchAttributes';

const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the compose file is arbitrary YAML
const compose: any = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

function dependsOn(service: string): string[] {
  const deps = compose.services[service].depends_on;
  return Array.isArray(deps) ? deps : Object.keys(deps ?? {});
}

describe('docker-compose.yml', () => {
  test('when parsed, then every service the app needs is there', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker']);
  });

  test.each(['api', 'worker'])('when the %s service starts, then it gets every configuration variable, pointing at the compose services', (name) => {
    const env = compose.services[name].environment;
    expect(Object.keys(env).sort()).toEqual(Object.keys(configSchema.shape).sort());
    expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.MIGRATOR_ADMIN_TOKEN).toMatch(/^\$\{MIGRATOR_ADMIN_TOKEN:\?/);
    // Required, so compose refuses to start without keys rather than store payloads in plain text.
    expect(env.MIGRATOR_PAYLOAD_KEYS).toMatch(/^\$\{MIGRATOR_PAYLOAD_KEYS:\?/);
    expect(dependsOn(name)).toEqual(expect.arrayContaining(['postgres', 'temporal']));
  });

  test('when Temporal starts, then it runs on the compose PostgreSQL', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:1\.29\./);
    expect(temporal.environment.POSTGRES_SEEDS).toBe('postgres');
    expect(dependsOn('temporal')).toContain('postgres');
    expect(compose.services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  test('when the Temporal UI shows a run, then it asks the API’s codec endpoint, as the browser reaches it, with the console’s cookie', () => {
    const ui = compose.services['temporal-ui'].environment;
    const api = compose.services.api.environment;
    const endpoint = new URL(ui.TEMPORAL_CODEC_ENDPOINT.replace(/\$\{MIGRATOR_PUBLIC_URL:-([^}]*)\}/, '$1'));
    expect(endpoint.pathname).toBe('/codec');
    expect(endpoint.origin).toBe(new URL(api.MIGRATOR_PUBLIC_URL.replace(/\$\{MIGRATOR_PUBLIC_URL:-([^}]*)\}/, '$1')).origin);
    expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    // The codec takes the cookie only from the UI's origin, which the API knows as TEMPORAL_UI_URL.
    expect(new URL(api.TEMPORAL_UI_URL).port).toBe(compose.services['temporal-ui'].ports[0].split(':')[1]);
  });

  test('when published, then Temporal’s frontend and UI, which have no authentication here, are reachable from this machine only', () => {
    for (const name of ['temporal', 'temporal-ui']) {
      const ports: string[] = compose.services[name].ports ?? [];
      expect(ports.length).toBeGreaterThan(0);
      for (const port of ports) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
    }
  });

  test('when the admin tools run, then they register exactly the search attributes of src/temporal/searchAttributes.ts, with their types', () => {
    const script: string = compose.services['temporal-admin-tools'].command.join('\n');
    const loop = /for attr in ([^;]*); do/.exec(script);
    expect(loop).not.toBeNull();
    const registered = loop![1]!.trim().split(/\s+/).sort();
    expect(registered).toEqual(searchAttributeRegistrations().map(({ name, type }) => `${name}:${type}`).sort());
    expect(registered).toEqual(expect.arrayContaining(['MigrationStatus:Keyword', 'MigrationErrorCode:Keyword', 'MigrationProduction:Bool']));
  });

  test('when the image is built, then its runtime stage runs as a non-root user with dist and the migrations', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime).toMatch(/^COPY db \.\/db$/m);
    expect(runtime).toMatch(/npm ci --omit=dev/);
  });
});
