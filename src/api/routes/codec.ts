import type { PayloadCodec } from '@temporalio/common';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { findSession } from '../../db/sessions';
import type { Logger } from '../../logger';
import { hasRole, type Role } from '../../model/roles';
import { cookieOf, hashToken, type Principal, principalOfToken, sessionCookie } from '../auth';
import { HttpError, parseOrThrow } from '../problem';

export interface CodecRouteDeps {
  pool: Pool;
  logger: Logger;
  /** The codec every Temporal client and worker of Migrator uses; undefined when encryption is off. */
  codec?: PayloadCodec;
  namespace: string;
  /** Origins of Temporal UIs allowed to call the codec from a browser (with the console's cookie). */
  allowedOrigins: string[];
  /** The console's own origin: allowed too. */
  publicOrigin: string;
}

/**
 * A decode request carries the payloads of one history view; Temporal refuses payloads over 2 MB,
 * so a few of the largest fit, and nothing near the limit reaches the codec.
 */
export const codecBodyLimitBytes = 8 << 20;

const base64 = z.string().max(16 << 20).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payload = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }).strict();
export const codecBody = z.object({ payloads: z.array(payload).max(10_000) }).strict();

type WirePayload = z.infer<typeof payload>;

const fromWire = (p: WirePayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});
const toWire = (p: { metadata?: Record<string, Uint8Array | null | undefined> | null; data?: Uint8Array | null }): WirePayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).flatMap(([k, v]) => (v ? [[k, Buffer.from(v).toString('base64')]] : []))),
  ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
});

/**
 * Temporal's remote codec protocol, so the Temporal UI and `temporal workflow show
 * --codec-endpoint` show decrypted payloads to people who may read them. Callers authenticate
 * with a bearer token or the console's session cookie (the only credential the Temporal UI can
 * send); browsers may call it from the configured Temporal UI origins only (CORS with
 * credentials, the exact origin). `/codec/encode` would let anyone who reaches it encrypt
 * chosen text under Migrator's key, so it takes the operator role.
 */
export function codecRoutes(deps: CodecRouteDeps): Router {
  const router = Router();
  const allowed = new Set([...deps.allowedOrigins, deps.publicOrigin]);

  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    next();
  };
  router.use(cors);
  // The preflight carries no credentials: it only says what the real request may carry.
  router.options(['/decode', '/encode'], (req, res) => {
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('access-control-allow-headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('access-control-max-age', '600');
    }
    res.status(204).end();
  });

  const authenticated = async (req: Request): Promise<Principal> => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = match ? await principalOfToken(deps.pool, match[1]!) : undefined;
      if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid token', 'The token is unknown, revoked or expired.');
      return principal;
    }
    const cookie = cookieOf(req, sessionCookie);
    const session = cookie ? await findSession(deps.pool, hashToken(cookie)) : undefined;
    if (!session) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in to decode', 'Sign in to the Migrator console in this browser (or send a bearer token) to read encrypted payloads.');
    }
    // A cookie comes with any request the browser makes: only the allowed origins may use it here.
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) {
      throw new HttpError(403, 'FORBIDDEN', 'Origin not allowed', `The codec takes the session cookie only from ${[...allowed].join(', ')}; this request came from ${origin ?? 'no origin'}.`);
    }
    return { tokenId: session.tokenId, name: session.owner, tokenName: session.tokenName, role: session.role, sessionId: session.sessionId };
  };

  const handle = (direction: 'decode' | 'encode', role: Role) => async (req: Request, res: Response) => {
    const principal = await authenticated(req);
    if (!hasRole(principal.role, role)) throw new HttpError(403, 'FORBIDDEN', 'Forbidden', `/codec/${direction} needs the ${role} role.`);
    const namespace = req.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'Wrong namespace', `This codec serves namespace "${deps.namespace}", not "${namespace}".`, [
        { path: 'X-Namespace', message: `must be ${deps.namespace}` },
      ]);
    }
    const body = parseOrThrow(codecBody, req.body);
    const payloads = body.payloads.map(fromWire);
    let out;
    try {
      out = deps.codec ? await deps.codec[direction](payloads) : payloads;
    } catch (err) {
      throw new HttpError(400, 'VALIDATION_FAILED', 'Cannot decode', err instanceof Error ? err.message : String(err));
    }
    deps.logger.info({ who: principal.name, token: principal.tokenName, direction, payloads: payloads.length }, `codec ${direction}`);
    res.json({ payloads: out.map(toWire) });
  };

  const json = express.json({ limit: codecBodyLimitBytes, strict: true, type: () => true });
  router.post('/decode', json, handle('decode', 'viewer'));
  router.post('/encode', json, handle('encode', 'operator'));
  return router;
}
