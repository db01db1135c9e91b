import { createHash } from 'node:crypto';

import type { RequestHandler } from 'express';
import type { Pool } from 'pg';

import { HttpError } from './problem';

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  tokenId: string;
  /** The person holding the token: their normalised login. Audit rows, starts and four eyes use it. */
  name: string;
  /** The token's own label, e.g. `alice-laptop`: says which of the person's tokens was used. */
  tokenName: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Makes `MIGRATOR_ADMIN_TOKEN` a valid admin token (stored hashed); idempotent across restarts and replicas. */
export async function seedAdminToken(pool: Pool, token: string): Promise<void> {
  await pool.query(
    `insert into api_tokens (name, owner, role, token_sha256) values ('bootstrap-admin', 'bootstrap-admin', 'admin', $1)
     on conflict (token_sha256) do nothing`,
    [hashToken(token)],
  );
}

/** Resolves the bearer token to a principal, or answers 401. */
export function authenticate(pool: Pool): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'Authentication required', 'Send `Authorization: Bearer <token>`.');
    }
    const { rows } = await pool.query<{ id: string; name: string; owner: string; role: Role }>(
      `select id, name, owner, role from api_tokens
        where token_sha256 = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
      [hashToken(match[1]!)],
    );
    const row = rows[0];
    if (!row) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid token', 'The token is unknown, revoked or expired.');
    req.principal = { tokenId: row.id, name: row.owner, tokenName: row.name, role: row.role };
    next();
  };
}

/** Allows the route to principals of at least `role`. */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    const have = req.principal ? roles.indexOf(req.principal.role) : -1;
    if (have < roles.indexOf(role)) {
      throw new HttpError(403, 'FORBIDDEN', 'Forbidden', `This action needs the ${role} role.`);
    }
    next();
  };
}
