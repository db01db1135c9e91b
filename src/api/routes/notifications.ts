import { randomBytes, randomUUID } from 'node:crypto';

import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Pool } from 'pg';

import { recordAudit } from '../../db/audit';
import { ensureDelivery, listDeliveries } from '../../db/notificationDeliveries';
import { deleteTarget, getTarget, insertTarget, listTargets, maskUrl, rotateTargetSecret, updateTarget } from '../../db/notifications';
import { withTransaction } from '../../db/pool';
import { MigratorError } from '../../errors';
import { problemWithUrl } from '../../notifications/addressGuard';
import { startDeliveryWorkflow } from '../../notifications/announce';
import { testEvent } from '../../notifications/events';
import type { NotificationSettings } from '../../notifications/settings';
import { requireRole } from '../auth';
import { deliveriesQuery, notificationBody, notificationPatch } from '../notificationSchemas';
import { notFound, parseOrThrow, parseQueryOrThrow, validationError } from '../problem';
import { emptyBody, idSchema } from '../schemas';

export interface NotificationRouteDeps {
  pool: Pool;
  temporal: Client;
  settings?: NotificationSettings;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Webhook targets (admin): their URL and secret sealed at rest, the secret shown once, every change audited. */
export function notificationRoutes(deps: NotificationRouteDeps): Router {
  const router = Router();
  const { pool } = deps;
  const settings = (): NotificationSettings => {
    if (!deps.settings) throw new MigratorError('UNAVAILABLE', 'This API process was started without notification settings.');
    return deps.settings;
  };
  const checkUrl = async (url: string): Promise<void> => {
    const problem = await problemWithUrl(url, settings().allowPrivateAddresses);
    if (problem) throw validationError([{ path: 'url', message: problem }]);
  };
  const targetId = (raw: unknown): string => {
    const id = String(raw);
    if (!idSchema.safeParse(id).success) throw notFound(`Notification target ${id}`);
    return id;
  };

  router.post('/notifications', requireRole('admin'), async (req, res) => {
    const body = parseOrThrow(notificationBody, req.body);
    await checkUrl(body.url);
    const { secretBox } = settings();
    const secret = newSecret();
    const target = await withTransaction(pool, async (client) => {
      const row = await insertTarget(client, {
        ...body,
        urlSealed: secretBox.seal(body.url),
        urlDisplay: maskUrl(body.url),
        secretSealed: secretBox.seal(secret),
        createdBy: req.principal!.name,
      });
      await recordAudit(client, { actor: req.principal!.name, action: 'create', entityType: 'notification_target', entityId: row.id, after: row });
      return row;
    });
    res.status(201).json({ ...target, secret });
  });

  router.get('/notifications', requireRole('admin'), async (_req, res) => {
    res.json({ items: await listTargets(pool) });
  });

  router.get('/notifications/:id', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    const target = await getTarget(pool, id);
    if (!target) throw notFound(`Notification target ${id}`);
    res.json(target);
  });

  router.patch('/notifications/:id', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    const patch = parseOrThrow(notificationPatch, req.body);
    if (patch.url !== undefined) await checkUrl(patch.url);
    const { url, ...fields } = patch;
    const after = await withTransaction(pool, async (client) => {
      const before = await getTarget(client, id, true);
      if (!before) throw notFound(`Notification target ${id}`);
      const changed = await updateTarget(client, id, {
        ...fields,
        ...(url !== undefined ? { url: { sealed: settings().secretBox.seal(url), display: maskUrl(url) } } : {}),
      });
      await recordAudit(client, { actor: req.principal!.name, action: 'update', entityType: 'notification_target', entityId: id, before, after: changed });
      return changed!;
    });
    res.json(after);
  });

  router.delete('/notifications/:id', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    await withTransaction(pool, async (client) => {
      const before = await getTarget(client, id, true);
      if (!before) throw notFound(`Notification target ${id}`);
      await deleteTarget(client, id);
      await recordAudit(client, { actor: req.principal!.name, action: 'delete', entityType: 'notification_target', entityId: id, before });
    });
    res.status(204).end();
  });

  router.post('/notifications/:id/rotate-secret', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    parseOrThrow(emptyBody, req.body);
    const secret = newSecret();
    const target = await withTransaction(pool, async (client) => {
      const before = await getTarget(client, id, true);
      if (!before) throw notFound(`Notification target ${id}`);
      const after = await rotateTargetSecret(client, id, settings().secretBox.seal(secret));
      await recordAudit(client, { actor: req.principal!.name, action: 'rotate-secret', entityType: 'notification_target', entityId: id, before, after });
      return after!;
    });
    res.json({ ...target, secret });
  });

  router.get('/notifications/:id/deliveries', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    const query = parseQueryOrThrow(deliveriesQuery, req.query);
    if (!(await getTarget(pool, id))) throw notFound(`Notification target ${id}`);
    res.json({ items: await listDeliveries(pool, id, query.limit) });
  });

  router.post('/notifications/:id/test', requireRole('admin'), async (req, res) => {
    const id = targetId(req.params.id);
    parseOrThrow(emptyBody, req.body);
    if (!(await getTarget(pool, id))) throw notFound(`Notification target ${id}`);
    const workflowId = `notify-test-${id}-${randomUUID()}`;
    const deliveryId = await ensureDelivery(pool, { targetId: id, event: testEvent, executionId: null, workflowId });
    await startDeliveryWorkflow({ temporal: deps.temporal, settings: settings() }, workflowId, deliveryId);
    res.status(202).json({ deliveryId, workflowId });
  });

  return router;
}
