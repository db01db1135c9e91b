import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type { EnvironmentBody } from './catalog';
import { stopChild } from './processes';

/** A real OpenSSH server on 127.0.0.1 with generated keys, for the demo and integration tests. */
export interface LoopbackSshd {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  hostKeyFingerprint: string;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export const sshdBinary = process.env.SSHD_PATH ?? '/usr/sbin/sshd';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function waitForBanner(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        if (data.toString().startsWith('SSH-')) resolve();
        else reject(new Error(`unexpected banner on port ${port}`));
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on 127.0.0.1:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface LoopbackSshdOptions {
  /** Where keys and config go (a fresh temporary directory by default). */
  baseDir?: string;
  /** sshd's `MaxSessions`: channels per connection (OpenSSH's default is 10). */
  maxSessions?: number;
  /**
   * `false`: the sessions' bash does not source the user's `~/.bashrc`, as on a host with plain
   * login files. bash sources it for sshd's sessions only at shell level 1; sshd's `SetEnv
   * SHLVL=1` makes the session's shell level 2.
   */
  userLoginFiles?: boolean;
}

/** Starts `sshd -D` on a free loopback port; the caller's user logs in with a fresh key. */
export async function startLoopbackSshd(options: LoopbackSshdOptions = {}): Promise<LoopbackSshd> {
  const { baseDir, maxSessions = 10, userLoginFiles = true } = options;
  if (!existsSync(sshdBinary)) {
    throw new Error(`No OpenSSH server at ${sshdBinary}; install it with \`apt-get install -y openssh-server\`.`);
  }
  const dir = baseDir ?? mkdtempSync(path.join(os.tmpdir(), 'migrator-sshd-'));
  mkdirSync(dir, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKey = path.join(dir, 'client_ed25519_key');
  for (const key of [hostKey, clientKey]) {
    rmSync(key, { force: true });
    rmSync(`${key}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'migrator-loopback', '-f', key]);
  }
  execFileSync('cp', [`${clientKey}.pub`, path.join(dir, 'authorized_keys')]);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`]).toString().split(' ')[1] ?? '';
  const username = os.userInfo().username;
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${username}`,
      `MaxSessions ${maxSessions}`,
      'MaxStartups 100:30:200',
      ...(userLoginFiles ? [] : ['SetEnv SHLVL=1']),
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(sshdBinary, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForBanner(port, Date.now() + 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`sshd failed to start: ${stderr.trim() || String(err)}`);
  }
  return {
    host: '127.0.0.1',
    port,
    username,
    privateKeyPath: clientKey,
    hostKeyFingerprint: fingerprint,
    dir,
    pid: child.pid ?? 0,
    stop: () => stopChild(child),
  };
}

/**
 * The `POST /environments` body for this sshd. A new environment per run (the name carries the
 * port and a timestamp): the loopback sshd has a new port and host key each time.
 */
export function loopbackEnvironment(sshd: LoopbackSshd, prefix: string): EnvironmentBody {
  return {
    name: `${prefix}-loopback-${sshd.port}-${Date.now()}`,
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKeyPath: sshd.privateKeyPath,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    nodePath: process.execPath,
  };
}
