import type { Pool } from 'pg';

import type { Role } from '../model/roles';

/** Who a session or a token authenticates. */
export interface Authenticated {
  tokenId: string;
  tokenName: string;
  owner: string;
  role: Role;
  sessionId?: string;
}

export async function createSession(db: Pool, tokenId: string, secretSha256: Buffer, idleTimeoutSeconds: number): Promise<{ id: string; expiresAt: Date }> {
  const { rows } = await db.query<{ id: string; expiresAt: Date }>(
    `insert into sessions (token_id, secret_sha256, idle_timeout_seconds) values ($1, $2, $3)
     returning id, last_seen_at + make_interval(secs => idle_timeout_seconds) as "expiresAt"`,
    [tokenId, secretSha256, idleTimeoutSeconds],
  );
  return rows[0]!;
}

const validSession = `s.ended_at is null and s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
  and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())`;

/**
 * The session of a cookie, if it is still valid; marks it seen (at most once a minute), which
 * pushes its idle expiry back.
 */
export async function findSession(db: Pool, secretSha256: Buffer): Promise<(Authenticated & { sessionId: string }) | undefined> {
  const { rows } = await db.query<Authenticated & { sessionId: string; stale: boolean }>(
    `select s.id as "sessionId", t.id as "tokenId", t.name as "tokenName", t.owner, t.role,
            s.last_seen_at < now() - interval '1 minute' as stale
       from sessions s join api_tokens t on t.id = s.token_id
      where s.secret_sha256 = $1 and ${validSession}`,
    [secretSha256],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale) await db.query('update sessions set last_seen_at = now() where id = $1', [row.sessionId]);
  const { stale: _stale, ...session } = row;
  return session;
}

/** Whether a session still authenticates (not ended, not idle too long, its token valid). */
export async function isSessionValid(db: Pool, sessionId: string): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from sessions s join api_tokens t on t.id = s.token_id where s.id = $1 and ${validSession}`, [sessionId]);
  return rowCount === 1;
}

export async function endSession(db: Pool, sessionId: string): Promise<void> {
  await db.query('update sessions set ended_at = coalesce(ended_at, now()) where id = $1', [sessionId]);
}

/** When the session ends if it stays idle from now. */
export async function sessionExpiry(db: Pool, sessionId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date }>(
    'select last_seen_at + make_interval(secs => idle_timeout_seconds) as at from sessions where id = $1',
    [sessionId],
  );
  return rows[0]?.at ?? null;
}
