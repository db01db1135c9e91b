import { randomBytes } from 'node:crypto';

import { type Response, Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { createSession, endSession, sessionExpiry } from '../../db/sessions';
import { hashToken, principalOfToken, requireRole, requireSameOrigin, sessionCookie } from '../auth';
import { HttpError, parseOrThrow } from '../problem';

export interface SessionRouteDeps {
  pool: Pool;
  /** The console's origin: sign-in and cookie writes must come from it. */
  publicOrigin: string;
  /** A session not used for this long ends (12 hours by default). */
  sessionIdleSeconds: number;
}

export const sessionBody = z.object({ token: z.string().min(1).max(500).describe('an API token, exchanged for a session cookie') }).strict();

function setCookie(res: Response, deps: SessionRouteDeps, value: string, maxAgeSeconds?: number): void {
  const parts = [`${sessionCookie}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (deps.publicOrigin.startsWith('https:')) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  res.append('set-cookie', parts.join('; '));
}

/** `POST /api/v1/session` (sign in with a token): mounted before authentication. */
export function signInRoutes(deps: SessionRouteDeps): Router {
  const router = Router();
  router.post('/session', async (req, res) => {
    // Before anything else, so a page elsewhere cannot even try tokens through a visitor's browser.
    requireSameOrigin(req, deps.publicOrigin);
    const { token } = parseOrThrow(sessionBody, req.body);
    const principal = await principalOfToken(deps.pool, token);
    if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid token', 'That token is unknown, revoked or expired; ask an admin for one.');
    const secret = randomBytes(32).toString('base64url');
    const session = await createSession(deps.pool, principal.tokenId, hashToken(secret), deps.sessionIdleSeconds);
    setCookie(res, deps, secret);
    res.status(201).json({ login: principal.name, role: principal.role, tokenName: principal.tokenName, sessionExpiresAt: session.expiresAt });
  });
  return router;
}

/** `GET /api/v1/me` and `DELETE /api/v1/session` (sign out): behind authentication. */
export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = Router();
  router.get('/me', requireRole('viewer'), async (req, res) => {
    const p = req.principal!;
    res.json({
      login: p.name,
      role: p.role,
      tokenName: p.tokenName,
      authenticatedBy: p.sessionId ? 'session' : 'token',
      sessionExpiresAt: p.sessionId ? await sessionExpiry(deps.pool, p.sessionId) : null,
    });
  });
  router.delete('/session', requireRole('viewer'), async (req, res) => {
    const sessionId = req.principal!.sessionId;
    if (!sessionId) throw new HttpError(400, 'VALIDATION_FAILED', 'No session', 'This request was authenticated by a token, not a session; there is nothing to sign out of.');
    await endSession(deps.pool, sessionId);
    setCookie(res, deps, '', 0);
    res.status(204).end();
  });
  return router;
}
