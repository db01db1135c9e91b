import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { freePort } from '../../scripts/lib/loopbackSshd';
import { startHarness, type Harness } from '../support/harness';
import { configHome, runCli } from './support/cli';

describe('migrator login, profiles and whoami (the real API)', () => {
  let h: Harness;
  let home: string;
  const configFile = (): string => path.join(home, 'migrator', 'config.json');

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => {
    home = configHome();
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('when a token is piped to login, then it is checked, saved 0600 in a 0700 directory, and whoami uses it', async () => {
    const operator = await h.createToken('operator', 'ana-ci', 'ana');
    const login = await runCli(['login', '--url', `${h.url}/`], { env: { XDG_CONFIG_HOME: home }, input: `${operator.token}\n` });
    expect(login.stderr).toContain('as ana (operator)');
    expect(login.code).toBe(0);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(configFile())).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(configFile(), 'utf8'))).toEqual({ profiles: { default: { url: h.url, token: operator.token } } });

    const whoami = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home } });
    expect(whoami.stdout).toBe(`ana (operator) at ${h.url}, token "ana-ci", from profile default\n`);
    expect(whoami.code).toBe(0);

    const json = await runCli(['whoami', '--json'], { env: { XDG_CONFIG_HOME: home } });
    const me = (await h.client.GET('/api/v1/me', { headers: { authorization: `Bearer ${operator.token}` } })).data;
    expect(JSON.parse(json.stdout)).toEqual(me);
  });

  test('when two profiles are saved, then --profile and MIGRATOR_PROFILE switch between them', async () => {
    const viewer = await h.createToken('viewer', 'vera-ro', 'vera');
    await runCli(['login', '--url', h.url], { env: { XDG_CONFIG_HOME: home }, input: h.adminToken });
    const second = await runCli(['login', '--url', h.url, '--profile', 'readonly'], { env: { XDG_CONFIG_HOME: home }, input: viewer.token });
    expect(second.code).toBe(0);
    expect((await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home } })).stdout).toMatch(/\(admin\)/);
    expect((await runCli(['whoami', '--profile', 'readonly'], { env: { XDG_CONFIG_HOME: home } })).stdout).toMatch(/^vera \(viewer\)/);
    expect((await runCli(['--profile', 'readonly', 'whoami'], { env: { XDG_CONFIG_HOME: home } })).stdout).toMatch(/^vera \(viewer\)/);
    expect((await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home, MIGRATOR_PROFILE: 'readonly' } })).stdout).toMatch(/^vera \(viewer\)/);
  });

  test('when the config is readable by others, then every command refuses it and says what to run', async () => {
    await runCli(['login', '--url', h.url], { env: { XDG_CONFIG_HOME: home }, input: h.adminToken });
    chmodSync(configFile(), 0o644);
    const result = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home } });
    expect(result.code).toBe(119);
    expect(result.stderr).toBe(`error: ${configFile()} holds API tokens but others may read or change it (mode 0644); run \`chmod 600 ${configFile()}\` (CONFIG)\n`);
    expect(result.stdout).toBe('');
  });

  test('when the token is wrong, then login fails with the API code and saves nothing', async () => {
    const result = await runCli(['login', '--url', h.url], { env: { XDG_CONFIG_HOME: home }, input: 'not-a-token' });
    expect(result.code).toBe(119);
    expect(result.stderr).toMatch(/^error: .*\(UNAUTHENTICATED\)\n$/);
    expect(existsSync(configFile())).toBe(false);
  });

  test('when no token is piped, or the URL is bad, then login is a usage error', async () => {
    const empty = await runCli(['login', '--url', h.url], { env: { XDG_CONFIG_HOME: home }, input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no token given');
    const bad = await runCli(['login', '--url', 'ftp://example.com'], { env: { XDG_CONFIG_HOME: home }, input: 'x' });
    expect(bad.code).toBe(2);
    const missing = await runCli(['login'], { env: { XDG_CONFIG_HOME: home } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--url <url>' not specified");
  });

  test('when the URL is plain http beyond loopback, then login refuses before reading the token, unless --insecure', async () => {
    const refused = await runCli(['login', '--url', 'http://migrator.invalid:8080'], { env: { XDG_CONFIG_HOME: home }, input: h.adminToken });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to send the API token over plain http to migrator.invalid:8080');
    expect(refused.stderr).toContain('(INSECURE_TRANSPORT)');
    // With --insecure the rule lets it through, and what fails is reaching the host, named by URL.
    const insecure = await runCli(['login', '--url', 'http://migrator.invalid:8080', '--insecure'], { env: { XDG_CONFIG_HOME: home }, input: h.adminToken });
    expect(insecure.code).toBe(118);
    expect(insecure.stderr).toMatch(/^error: could not reach http:\/\/migrator\.invalid:8080: \S+ \(NETWORK\)\n$/);
    expect(existsSync(configFile())).toBe(false);
  });

  test('when MIGRATOR_URL and MIGRATOR_TOKEN are set, then no config is needed; when the API is down, then the URL is named', async () => {
    const ok = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home, MIGRATOR_URL: h.url, MIGRATOR_TOKEN: h.adminToken } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('from MIGRATOR_URL and MIGRATOR_TOKEN');
    const closed = await freePort();
    const down = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home, MIGRATOR_URL: `http://127.0.0.1:${closed}`, MIGRATOR_TOKEN: 'x' } });
    expect(down.code).toBe(118);
    expect(down.stderr).toBe(`error: could not reach http://127.0.0.1:${closed}: ECONNREFUSED (NETWORK)\n`);
    const half = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home, MIGRATOR_TOKEN: 'x' } });
    expect(half.code).toBe(2);
    const none = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home } });
    expect(none.code).toBe(119);
    expect(none.stderr).toContain('run `migrator login --url URL`');
  });

  test('when a command or option is unknown, then it is a usage error (2); --help exits 0 with an example', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['ls', '--bogus'])).code).toBe(2);
    expect((await runCli(['ls', '--limit', 'ten'])).code).toBe(2);
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Example');
  });
});
