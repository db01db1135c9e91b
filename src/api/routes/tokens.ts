import { randomBytes } from 'node:crypto';

import { Router } from 'express';
import type { Pool } from 'pg';

import { listAudit, recordAudit } from '../../db/audit';
import { withTransaction } from '../../db/pool';
import { insertToken, listTokens, revokeToken } from '../../db/tokens';
import { hashToken, requireRole } from '../auth';
import { decodeCursor, encodeCursor } from '../cursor';
import { notFound, parseOrThrow, parseQueryOrThrow } from '../problem';
import { auditQuery, idSchema, tokenBody } from '../schemas';

/** API tokens (admin) and the audit log of every catalog and token change. */
export function tokenRoutes(pool: Pool): Router {
  const router = Router();

  router.post('/tokens', requireRole('admin'), async (req, res) => {
    const body = parseOrThrow(tokenBody, req.body);
    // Shown once, in this answer; only its SHA-256 is stored.
    const secret = `mig_${randomBytes(32).toString('base64url')}`;
    const token = await withTransaction(pool, async (client) => {
      const row = await insertToken(client, {
        name: body.name,
        owner: body.owner,
        role: body.role,
        sha256: hashToken(secret),
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        createdBy: req.principal!.name,
      });
      await recordAudit(client, { actor: req.principal!.name, action: 'create', entityType: 'token', entityId: row.id, after: row });
      return row;
    });
    res.status(201).json({ ...token, token: secret });
  });

  router.get('/tokens', requireRole('admin'), async (_req, res) => {
    res.json({ items: await listTokens(pool) });
  });

  router.delete('/tokens/:id', requireRole('admin'), async (req, res) => {
    const id = String(req.params.id);
    if (!idSchema.safeParse(id).success) throw notFound(`Token ${id}`);
    await withTransaction(pool, async (client) => {
      const revoked = await revokeToken(client, id);
      if (!revoked) throw notFound(`Token ${id}`);
      if (!revoked.before.revokedAt) {
        await recordAudit(client, { actor: req.principal!.name, action: 'revoke', entityType: 'token', entityId: id, ...revoked });
      }
    });
    res.status(204).end();
  });

  router.get('/audit', requireRole('admin'), async (req, res) => {
    const query = parseQueryOrThrow(auditQuery, req.query);
    const [beforeId] = query.cursor ? decodeCursor(query.cursor, [/^\d{1,18}$/]) : [];
    const items = await listAudit(pool, { ...query, beforeId, limit: query.limit + 1 });
    const page = items.slice(0, query.limit);
    res.json({ items: page, nextCursor: items.length > query.limit ? encodeCursor([page.at(-1)!.id]) : null });
  });

  return router;
}
