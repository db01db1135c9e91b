import { createHash } from 'node:crypto';

import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';

import { findSession } from '../db/sessions';
import { hasRole, type Role } from '../model/roles';
import { HttpError } from './problem';

export { roles, type Role } from '../model/roles';

export interface Principal {
  tokenId: string;
  /** The person holding the token: their normalised login. Audit rows, starts and four eyes use it. */
  name: string;
  /** The token's own label, e.g. `alice-laptop`: says which of the person's tokens was used. */
  tokenName: string;
  role: Role;
  /** Set when the console's session cookie authenticated the request. */
  sessionId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The console's session cookie. */
export const sessionCookie = 'migrator_session';

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

/** The principal of a bearer token, if it is valid. */
export async function principalOfToken(pool: Pool, token: string): Promise<Principal | undefined> {
  // Every request runs this. Named, each connection parses and plans it once (its one plan is
  // the unique index): 0.16 instead of 0.25 ms a call on loopback, planning being most of it.
  const { rows } = await pool.query<{ id: string; name: string; owner: string; role: Role }>({
    name: 'principal-of-token',
    text: `select id, name, owner, role from api_tokens
            where token_sha256 = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
    values: [hashToken(token)],
  });
  const row = rows[0];
  return row && { tokenId: row.id, name: row.owner, tokenName: row.name, role: row.role };
}

/** A cookie's value from the request's `Cookie` header (our cookie holds base64url only). */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const safeMethods = ['GET', 'HEAD', 'OPTIONS'];

/**
 * Refuses a cookie-authenticated write that does not come from the console's own origin: a
 * page elsewhere (another port of the same host counts: same site, so the cookie is sent) could
 * otherwise post as the signed-in operator. A missing `Origin` is refused too.
 */
export function requireSameOrigin(req: Request, publicOrigin: string): void {
  const origin = req.get('origin');
  if (origin !== publicOrigin) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      'Cross-origin write refused',
      `A write with the session cookie must come from the console (${publicOrigin}); this one came from ${origin ?? 'no origin'}. Scripts use \`Authorization: Bearer <token>\`.`,
    );
  }
}

export interface AuthOptions {
  /** The console's origin, e.g. `https://migrator.example.org`: cookie writes must come from it. */
  publicOrigin: string;
}

/** Resolves the bearer token, or else the console's session cookie, to a principal; or answers 401. */
export function authenticate(pool: Pool, options: AuthOptions): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new HttpError(401, 'UNAUTHENTICATED', 'Authentication required', 'Send `Authorization: Bearer <token>`.');
      const principal = await principalOfToken(pool, match[1]!);
      if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid token', 'The token is unknown, revoked or expired.');
      req.principal = principal;
      return next();
    }
    const cookie = cookieOf(req, sessionCookie);
    if (!cookie) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'Authentication required', 'Send `Authorization: Bearer <token>`, or sign in to the console.');
    }
    const session = await findSession(pool, hashToken(cookie));
    if (!session) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'Session ended', 'The session ended (signed out, idle too long, or its token was revoked); sign in again.');
    }
    if (!safeMethods.includes(req.method)) requireSameOrigin(req, options.publicOrigin);
    req.principal = { tokenId: session.tokenId, name: session.owner, tokenName: session.tokenName, role: session.role, sessionId: session.sessionId };
    next();
  };
}

/** Allows the route to principals of at least `role`. */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal || !hasRole(req.principal.role, role)) {
      throw new HttpError(403, 'FORBIDDEN', 'Forbidden', `This action needs the ${role} role.`);
    }
    next();
  };
}
