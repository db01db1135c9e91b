import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { configError, usageError } from './errors';

/** One saved API: where it answers and the token to send. */
export interface Profile {
  url: string;
  token: string;
  /** Given `--insecure` at login: the token may go over plain http to a host other than loopback. */
  insecure?: boolean;
}

export interface ConfigFile {
  profiles: Record<string, Profile>;
}

/** Where the CLI will send requests, with which token, and what chose them (for messages). */
export interface Connection {
  url: string;
  token: string;
  insecure: boolean;
  from: string;
}

export const defaultProfile = 'default';
const profileName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `$XDG_CONFIG_HOME/migrator/config.json`, `~/.config/migrator/config.json` without it. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'migrator', 'config.json');
}

export function checkProfileName(name: string): string {
  if (!profileName.test(name)) throw usageError(`profile name ${JSON.stringify(name)} must be 1–64 letters, digits, _ . or - and start with a letter or digit`);
  return name;
}

/** Loopback names and addresses: a token sent there over http never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The API's base URL as typed by a person: http(s), no credentials, query or fragment; no trailing slash. */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${JSON.stringify(raw)} is not a URL; give the API's address, e.g. https://migrator.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`the API's URL must start with https:// or http://, got ${JSON.stringify(raw)}`);
  if (url.username || url.password) throw usageError('the API URL must not carry credentials; the token goes in MIGRATOR_TOKEN or `migrator login`');
  if (url.search || url.hash) throw usageError(`the API URL must not have a query or fragment, got ${JSON.stringify(raw)}`);
  return url.toString().replace(/\/+$/, '');
}

/** Refuses to send a token over plain http beyond loopback unless the person said `--insecure`. */
export function checkTransport(url: string, insecure: boolean): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:' || isLoopback(parsed.hostname) || insecure) return;
  throw usageError(
    `refusing to send the API token over plain http to ${parsed.host}: anyone on the network between here and there could read it and act as you. ` +
      'Use https, or pass --insecure if this network is trusted',
    'INSECURE_TRANSPORT',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseConfig(file: string, text: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw configError(`${file} is not valid JSON (${(err as Error).message}); fix it or remove it and run \`migrator login\` again`);
  }
  if (!isRecord(json) || !isRecord(json.profiles)) throw configError(`${file} has no "profiles" object; remove it and run \`migrator login\` again`);
  const profiles: Record<string, Profile> = {};
  for (const [name, value] of Object.entries(json.profiles)) {
    if (!isRecord(value) || typeof value.url !== 'string' || typeof value.token !== 'string' || (value.insecure !== undefined && typeof value.insecure !== 'boolean')) {
      throw configError(`profile ${JSON.stringify(name)} in ${file} needs a string "url" and "token"; run \`migrator login --profile ${name}\` again`);
    }
    profiles[name] = { url: value.url, token: value.token, ...(value.insecure ? { insecure: true } : {}) };
  }
  return { profiles };
}

/**
 * The config file, or null when there is none. A file that others may read or write, or in a
 * directory others may write, is refused: it holds tokens.
 */
export function readConfig(file: string): ConfigFile | null {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw configError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const mode = stat.mode & 0o777;
  if (mode & 0o077) {
    throw configError(`${file} holds API tokens but others may read or change it (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${file}\``);
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw configError(`${file} belongs to another user (uid ${stat.uid}); refusing its tokens`);
  const dirMode = statSync(path.dirname(file)).mode & 0o777;
  if (dirMode & 0o022) {
    throw configError(`others may replace ${file}: its directory has mode ${dirMode.toString(8).padStart(4, '0')}; run \`chmod 700 ${path.dirname(file)}\``);
  }
  return parseConfig(file, readFileSync(file, 'utf8'));
}

/** Saves `profile` under `name`: the directory 0700, the file 0600, written whole then renamed. */
export function saveProfile(file: string, name: string, profile: Profile): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const config = readConfig(file) ?? { profiles: {} };
  config.profiles[name] = profile;
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(config, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * What a command connects to. `--profile` (or MIGRATOR_PROFILE) names a saved profile, used whole.
 * Otherwise MIGRATOR_URL and MIGRATOR_TOKEN, both or neither: a token from the environment never
 * goes to a profile's URL, nor a profile's token to the environment's URL. Otherwise the
 * `default` profile.
 */
export function resolveConnection(options: { env: NodeJS.ProcessEnv; profile?: string; insecure: boolean; file: string }): Connection {
  const { env } = options;
  const named = options.profile ?? env.MIGRATOR_PROFILE;
  if (!named && (env.MIGRATOR_URL || env.MIGRATOR_TOKEN)) {
    if (!env.MIGRATOR_URL) throw usageError('MIGRATOR_TOKEN is set but MIGRATOR_URL is not; set both, or neither and use a profile');
    if (!env.MIGRATOR_TOKEN) throw usageError('MIGRATOR_URL is set but MIGRATOR_TOKEN is not; set both, or run `migrator login`');
    const url = normaliseUrl(env.MIGRATOR_URL);
    checkTransport(url, options.insecure);
    return { url, token: env.MIGRATOR_TOKEN, insecure: options.insecure, from: 'MIGRATOR_URL and MIGRATOR_TOKEN' };
  }
  const name = checkProfileName(named ?? defaultProfile);
  const config = readConfig(options.file);
  const profile = config?.profiles[name];
  if (!profile) {
    const known = Object.keys(config?.profiles ?? {});
    throw configError(
      `no profile ${JSON.stringify(name)} in ${options.file}${known.length ? ` (profiles: ${known.join(', ')})` : ''}; ` +
        `run \`migrator login --url URL${name === defaultProfile ? '' : ` --profile ${name}`}\` or set MIGRATOR_URL and MIGRATOR_TOKEN`,
    );
  }
  const url = normaliseUrl(profile.url);
  const insecure = options.insecure || profile.insecure === true;
  checkTransport(url, insecure);
  return { url, token: profile.token, insecure, from: `profile ${name}` };
}
