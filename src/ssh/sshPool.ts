import type { ClientChannel } from 'ssh2';

import { MigratorError } from '../errors';
import { openConnection, type SshConnection, type SshSession, type SshTarget } from './connection';

export interface SshPoolOptions {
  /** The only directory key files are read from (`SSH_KEY_DIR`). */
  keyDir: string;
  /** How long TCP connect and the SSH handshake may take (`SSH_CONNECT_TIMEOUT_SECONDS`). */
  connectTimeoutMs?: number;
  /**
   * Channels one connection may carry at once: sshd's `MaxSessions` (10 by default). A server
   * configured lower is learned from its first refusal.
   */
  maxSessionsPerConnection?: number;
  /** A connection with no open channel is closed after this long. */
  idleTimeoutMs?: number;
  /** Opens a connection; tests wrap it to count connections. */
  open?: (target: SshTarget) => Promise<SshConnection>;
}

export interface SshPoolStats {
  /** Connections opened since the pool was created. */
  opened: number;
  /** Connections open now, and the channels they carry. */
  connections: { key: string; channels: number; capacity: number }[];
}

interface Member {
  conn: SshConnection;
  /** Channels opened and not yet closed. */
  channels: number;
  capacity: number;
  idleTimer?: NodeJS.Timeout;
}

const openAttempts = 4;

/**
 * Reuses SSH connections across activities and executions: one per host and credentials,
 * more only when the open channels reach `MaxSessions`. Channels are counted from open to
 * close; a dead connection (closed by the server or by keepalive) leaves the pool at once and
 * the next channel gets a new one.
 */
export class SshPool {
  private readonly members = new Map<string, Member[]>();
  /** One connection being opened per key at a time: a burst of channels waits for it instead of each opening one. */
  private readonly opening = new Map<string, Promise<Member>>();
  private readonly maxSessions: number;
  private readonly idleTimeoutMs: number;
  private readonly open: (target: SshTarget) => Promise<SshConnection>;
  private readonly connectOptions: { keyDir: string; connectTimeoutMs?: number };
  private opened = 0;
  private closing = false;

  constructor(options: SshPoolOptions) {
    this.maxSessions = options.maxSessionsPerConnection ?? 10;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    const { keyDir, connectTimeoutMs } = options;
    this.connectOptions = { keyDir, connectTimeoutMs };
    this.open = options.open ?? ((target) => openConnection(target, { keyDir, connectTimeoutMs }));
  }

  /**
   * A connection of its own, outside the pool, that accepts a host key when none is pinned and
   * reports the one presented. Only the admin's environment check uses it: it may pin that key,
   * and what it learned must come from one handshake, not from a shared connection. Close it.
   */
  openForCheck(target: SshTarget): Promise<SshConnection> {
    return openConnection(target, { ...this.connectOptions, trustOnFirstUse: true });
  }

  /**
   * A session on the target host. Connects now if no connection is open, so that a wrong host
   * key or refused credentials fail here, before anything runs.
   */
  async session(target: SshTarget): Promise<SshSession> {
    const key = keyOf(target);
    const first = await this.memberWithRoom(key, target);
    return {
      hostKeyFingerprint: first.conn.hostKeyFingerprint,
      exec: (command) => this.exec(key, target, command),
    };
  }

  stats(): SshPoolStats {
    return {
      opened: this.opened,
      connections: [...this.members].flatMap(([key, list]) =>
        list.map((m) => ({ key, channels: m.channels, capacity: m.capacity })),
      ),
    };
  }

  /** Closes every connection; channels still open end with them. */
  close(): void {
    this.closing = true;
    for (const list of this.members.values()) for (const m of list) this.retire(m);
    this.members.clear();
  }

  private async exec(key: string, target: SshTarget, command: string): Promise<ClientChannel> {
    for (let attempt = 1; ; attempt++) {
      const member = await this.memberWithRoom(key, target);
      this.take(member);
      try {
        const channel = await member.conn.exec(command);
        channel.once('close', () => this.give(key, member));
        return channel;
      } catch (err) {
        this.give(key, member);
        const refused = err instanceof MigratorError && err.details.reason === 'refused';
        if (refused) {
          // The server allows fewer sessions than we thought: this connection is full as it is.
          member.capacity = Math.max(1, member.channels);
        } else if (!member.conn.closed) {
          throw err;
        }
        // Refused or dead: another (or a new) connection takes the channel.
        if (attempt >= openAttempts) throw err;
      }
    }
  }

  private async memberWithRoom(key: string, target: SshTarget): Promise<Member> {
    for (;;) {
      if (this.closing) throw new MigratorError('UNAVAILABLE', 'The worker is shutting down; no new SSH channels.');
      const live = (this.members.get(key) ?? []).filter((m) => !m.conn.closed);
      const withRoom = live.find((m) => m.channels < m.capacity);
      if (withRoom) return withRoom;
      const pending = this.opening.get(key);
      if (pending) {
        // Someone is opening one already; it may have room for us too, so look again after.
        await pending.catch(() => undefined);
        if (this.opening.get(key) === pending) this.opening.delete(key);
        continue;
      }
      const opening = this.connect(key, target);
      this.opening.set(key, opening);
      try {
        return await opening;
      } finally {
        if (this.opening.get(key) === opening) this.opening.delete(key);
      }
    }
  }

  private async connect(key: string, target: SshTarget): Promise<Member> {
    const conn = await this.open(target);
    this.opened += 1;
    const member: Member = { conn, channels: 0, capacity: this.maxSessions };
    const list = this.members.get(key) ?? [];
    list.push(member);
    this.members.set(key, list);
    conn.onClose(() => this.remove(key, member));
    this.armIdleTimer(key, member);
    if (this.closing) this.retire(member);
    return member;
  }

  private take(member: Member): void {
    member.channels += 1;
    clearTimeout(member.idleTimer);
  }

  private give(key: string, member: Member): void {
    member.channels = Math.max(0, member.channels - 1);
    if (member.channels === 0) this.armIdleTimer(key, member);
  }

  private armIdleTimer(key: string, member: Member): void {
    clearTimeout(member.idleTimer);
    member.idleTimer = setTimeout(() => {
      if (member.channels === 0) {
        this.remove(key, member);
        this.retire(member);
      }
    }, this.idleTimeoutMs);
    member.idleTimer.unref();
  }

  private remove(key: string, member: Member): void {
    clearTimeout(member.idleTimer);
    const list = (this.members.get(key) ?? []).filter((m) => m !== member);
    if (list.length > 0) this.members.set(key, list);
    else this.members.delete(key);
  }

  private retire(member: Member): void {
    clearTimeout(member.idleTimer);
    member.conn.close();
  }
}

/** Connections are shared by targets that reach the same host as the same user with the same credentials and pinned key. */
function keyOf(target: SshTarget): string {
  return JSON.stringify([
    target.host,
    target.port,
    target.username,
    target.privateKeyPath,
    target.passphraseEnv,
    target.useAgent,
    target.hostKeyFingerprint,
  ]);
}
