import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { checkTransport, configPath, isLoopback, normaliseUrl, readConfig, resolveConnection, saveProfile } from '../../cli/src/config';
import { CliError } from '../../cli/src/errors';
import { exitCodes } from '../../cli/src/exitCodes';
import { outcomeExitCode } from '../../cli/src/follow';
import { mapParams } from '../../cli/src/params';
import { parseProgress, ProgressBar } from '../../cli/src/progressBar';

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a CliError, nothing was thrown');
}

describe('the CLI configuration rules', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'migrator-cli-unit-'));
    file = path.join(dir, 'migrator', 'config.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('when XDG_CONFIG_HOME is set, then the config lives under it; when it is unset or relative, then under ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x/conf' })).toBe('/x/conf/migrator/config.json');
    expect(configPath({})).toBe(path.join(os.homedir(), '.config', 'migrator', 'config.json'));
    expect(configPath({ XDG_CONFIG_HOME: 'relative' })).toBe(path.join(os.homedir(), '.config', 'migrator', 'config.json'));
  });

  test('when a profile is saved, then the directory is 0700, the file 0600, and it reads back', () => {
    saveProfile(file, 'default', { url: 'https://m.example.com', token: 't1' });
    saveProfile(file, 'prod', { url: 'http://10.0.0.5:8080', token: 't2', insecure: true });
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readConfig(file)).toEqual({
      profiles: { default: { url: 'https://m.example.com', token: 't1' }, prod: { url: 'http://10.0.0.5:8080', token: 't2', insecure: true } },
    });
  });

  test('when the config file is readable by others, then it is refused with the chmod to run', () => {
    saveProfile(file, 'default', { url: 'https://m.example.com', token: 't1' });
    chmodSync(file, 0o644);
    const err = thrown(() => readConfig(file));
    expect(err.exitCode).toBe(exitCodes.refused);
    expect(err.message).toContain('mode 0644');
    expect(err.message).toContain(`chmod 600 ${file}`);
  });

  test('when the config directory is writable by others, then the config is refused', () => {
    saveProfile(file, 'default', { url: 'https://m.example.com', token: 't1' });
    chmodSync(path.dirname(file), 0o777);
    expect(thrown(() => readConfig(file)).message).toContain('chmod 700');
  });

  test('when the config file is not JSON or lacks fields, then the message says how to recover', () => {
    mkdirSync(path.dirname(file), { mode: 0o700 });
    writeFileSync(file, '{ not json', { mode: 0o600 });
    expect(thrown(() => readConfig(file)).message).toContain('not valid JSON');
    writeFileSync(file, JSON.stringify({ profiles: { a: { url: 'https://x' } } }), { mode: 0o600 });
    expect(thrown(() => readConfig(file)).message).toContain('migrator login --profile a');
    writeFileSync(file, '[]', { mode: 0o600 });
    expect(thrown(() => readConfig(file)).message).toContain('no "profiles" object');
  });

  test('when the host is loopback, then http is allowed; anywhere else it needs --insecure and says why', () => {
    for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'api.localhost']) expect(isLoopback(new URL(`http://${host}:1/`).hostname)).toBe(true);
    for (const host of ['10.0.0.1', 'example.com', '128.0.0.1', 'localhost.example.com', '[::2]']) expect(isLoopback(new URL(`http://${host}/`).hostname)).toBe(false);
    expect(() => checkTransport('http://127.0.0.1:8080', false)).not.toThrow();
    expect(() => checkTransport('https://migrator.example.com', false)).not.toThrow();
    const err = thrown(() => checkTransport('http://migrator.example.com', false));
    expect(err.code).toBe('INSECURE_TRANSPORT');
    expect(err.exitCode).toBe(exitCodes.usage);
    expect(err.message).toMatch(/--insecure/);
    expect(err.message).toMatch(/could read it/);
    expect(() => checkTransport('http://migrator.example.com', true)).not.toThrow();
  });

  test('when a URL is not http(s), carries credentials, a query or garbage, then it is refused; a trailing slash is dropped', () => {
    expect(normaliseUrl('https://m.example.com/')).toBe('https://m.example.com');
    expect(normaliseUrl('http://127.0.0.1:8080/base/')).toBe('http://127.0.0.1:8080/base');
    for (const bad of ['ftp://m.example.com', 'https://u:p@m.example.com', 'https://m.example.com/?a=1', 'not a url', '']) {
      expect(thrown(() => normaliseUrl(bad)).exitCode).toBe(exitCodes.usage);
    }
  });

  test('when MIGRATOR_URL and MIGRATOR_TOKEN are set, then they are used together; one alone is refused; --profile wins over them', () => {
    saveProfile(file, 'prod', { url: 'https://prod.example.com', token: 'prod-token' });
    const env = { MIGRATOR_URL: 'http://127.0.0.1:9', MIGRATOR_TOKEN: 'env-token' };
    expect(resolveConnection({ env, insecure: false, file })).toMatchObject({ url: 'http://127.0.0.1:9', token: 'env-token' });
    expect(resolveConnection({ env, profile: 'prod', insecure: false, file })).toMatchObject({ url: 'https://prod.example.com', token: 'prod-token' });
    expect(resolveConnection({ env: { MIGRATOR_PROFILE: 'prod' }, insecure: false, file })).toMatchObject({ token: 'prod-token' });
    expect(thrown(() => resolveConnection({ env: { MIGRATOR_TOKEN: 'x' }, insecure: false, file })).message).toContain('MIGRATOR_URL is not');
    expect(thrown(() => resolveConnection({ env: { MIGRATOR_URL: 'http://127.0.0.1:9' }, insecure: false, file })).message).toContain('MIGRATOR_TOKEN is not');
  });

  test('when the profile does not exist, then the message names the known ones and the login to run', () => {
    saveProfile(file, 'prod', { url: 'https://prod.example.com', token: 'prod-token' });
    const err = thrown(() => resolveConnection({ env: {}, profile: 'staging', insecure: false, file }));
    expect(err.message).toContain('profiles: prod');
    expect(err.message).toContain('migrator login --url URL --profile staging');
    expect(thrown(() => resolveConnection({ env: {}, profile: '../etc', insecure: false, file })).exitCode).toBe(exitCodes.usage);
  });

  test('when a saved profile points at plain http beyond loopback, then it is refused unless it was saved with --insecure', () => {
    saveProfile(file, 'far', { url: 'http://10.1.2.3:8080', token: 't' });
    saveProfile(file, 'trusted', { url: 'http://10.1.2.3:8080', token: 't', insecure: true });
    expect(thrown(() => resolveConnection({ env: {}, profile: 'far', insecure: false, file })).code).toBe('INSECURE_TRANSPORT');
    expect(resolveConnection({ env: {}, profile: 'far', insecure: true, file }).url).toBe('http://10.1.2.3:8080');
    expect(resolveConnection({ env: {}, profile: 'trusted', insecure: false, file }).insecure).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('"insecure": true');
  });
});

describe('positional parameters, as the old command line took them', () => {
  const job = {
    name: 'orchestrate-import',
    parameters: [
      { name: 'source', type: 'string' as const, required: true },
      { name: 'user', type: 'string' as const, required: true },
      { name: 'practitionerId', type: 'integer' as const, required: true },
      { name: 'email', type: 'email' as const, required: true },
      { name: 'patientId', type: 'string' as const, required: false },
    ],
  };

  test('when five arguments are given, then they map in order; the optional last one may be left out', () => {
    expect(mapParams(job, ['iclinic', 'drleandro', '320623', 'fabiangc@gmail.com', '44320'], [])).toEqual({
      source: 'iclinic',
      user: 'drleandro',
      practitionerId: '320623',
      email: 'fabiangc@gmail.com',
      patientId: '44320',
    });
    expect(mapParams(job, ['iclinic', 'drleandro', '320623', 'fabiangc@gmail.com'], [])).not.toHaveProperty('patientId');
  });

  test('when too many or too few are given, then the usage error lists the parameters', () => {
    const many = thrown(() => mapParams(job, ['a', 'b', '1', 'e@x.io', 'p', 'extra'], []));
    expect(many.exitCode).toBe(exitCodes.usage);
    expect(many.message).toContain('too many arguments: 6 given');
    expect(many.message).toContain('<source> <user> <practitionerId> <email> [<patientId>]');
    expect(thrown(() => mapParams(job, ['a', 'b'], [])).message).toContain('missing practitionerId, email');
  });

  test('when --param names them, then they mix with positional ones; unknown, doubled or malformed pairs are refused', () => {
    expect(mapParams(job, ['iclinic', 'drleandro'], ['practitionerId=1', 'email=a=b@x.io'])).toMatchObject({ practitionerId: '1', email: 'a=b@x.io' });
    expect(mapParams(job, [], ['source=', 'user=u', 'practitionerId=1', 'email=e@x.io'])).toMatchObject({ source: '' });
    expect(thrown(() => mapParams(job, ['iclinic'], ['source=x'])).message).toContain('given twice');
    expect(thrown(() => mapParams(job, [], ['nope=1'])).message).toContain('no parameter "nope"');
    expect(thrown(() => mapParams(job, [], ['=1'])).message).toContain('name=value');
  });
});

describe('exit codes of an execution', () => {
  test('when the script ran to its end, then its own code; otherwise a reserved code', () => {
    expect(outcomeExitCode({ status: 'succeeded', exitCode: 0, errorCode: null })).toBe(0);
    expect(outcomeExitCode({ status: 'failed', exitCode: 3, errorCode: 'SCRIPT_FAILED' })).toBe(3);
    expect(outcomeExitCode({ status: 'failed', exitCode: null, errorCode: 'SCRIPT_FAILED' })).toBe(exitCodes.failed);
    expect(outcomeExitCode({ status: 'failed', exitCode: null, errorCode: 'SCRIPT_NOT_FOUND' })).toBe(exitCodes.failed);
    expect(outcomeExitCode({ status: 'cancelled', exitCode: null, errorCode: 'CANCELLED' })).toBe(exitCodes.cancelled);
    expect(outcomeExitCode({ status: 'rejected', exitCode: null, errorCode: 'APPROVAL_REJECTED' })).toBe(exitCodes.rejected);
    expect(outcomeExitCode({ status: 'failed', exitCode: null, errorCode: 'APPROVAL_TIMEOUT' })).toBe(exitCodes.approvalTimeout);
    expect(outcomeExitCode({ status: 'failed', exitCode: 143, errorCode: 'TIMED_OUT' })).toBe(exitCodes.timedOut);
  });
});

describe('the progress bar', () => {
  test('when a line is a well-formed ::progress mark, then it is read; anything else is not', () => {
    expect(parseProgress('::progress 3/12')).toEqual({ done: 3, total: 12 });
    expect(parseProgress('::progress 12/12  ')).toEqual({ done: 12, total: 12 });
    for (const text of ['::progress 13/12', '::progress 1/0', '::progress x/2', ' ::progress 1/2', 'progress 1/2', '::progress 1/2 rows']) expect(parseProgress(text)).toBeUndefined();
  });

  test('when other output is written around a drawn bar, then the bar is cleared first and drawn again after', () => {
    let written = '';
    const stream = { columns: 50, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(stream);
    bar.around(() => (written += 'before any mark\n'));
    expect(written).toBe('before any mark\n');
    bar.update(1, 2);
    bar.around(() => (written += 'a line\n'));
    bar.finish();
    expect(written).toBe('before any mark\n\r\u001b[2K[##########..........] 50% 1/2\r\u001b[2Ka line\n[##########..........] 50% 1/2\n');
  });
});
