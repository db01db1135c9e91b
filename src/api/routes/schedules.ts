import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Pool } from 'pg';

import * as db from '../../db/schedules';
import type { ParamValues } from '../../jobs/parameters';
import type { Logger } from '../../logger';
import type { NotificationSettings } from '../../notifications/settings';
import * as service from '../../schedules/service';
import { requireRole } from '../auth';
import { notFound, parseOrThrow, validationError } from '../problem';
import { scheduleDetail, scheduleView } from '../scheduleView';
import { emptyBody, idSchema, pauseBody, scheduleBody, schedulePatch } from '../schemas';

export interface ScheduleRouteDeps {
  pool: Pool;
  temporal: Client;
  logger: Logger;
  taskQueue: string;
  notifications?: NotificationSettings;
}

/** Recurring executions: operators create, change, pause, trigger and approve; viewers read. */
export function scheduleRoutes(deps: ScheduleRouteDeps): Router {
  const { pool } = deps;
  const router = Router();
  const idOf = (raw: unknown): string => {
    const id = String(raw);
    if (!idSchema.safeParse(id).success) throw notFound(`Schedule ${id}`);
    return id;
  };
  const load = async (raw: unknown): Promise<db.Schedule> => {
    const id = idOf(raw);
    const found = await db.getSchedule(pool, id);
    if (!found) throw notFound(`Schedule ${id}`);
    return found;
  };
  const detail = async (id: string) => scheduleDetail(deps, (await db.getSchedule(pool, id))!);

  router.post('/schedules', requireRole('operator'), async (req, res) => {
    const body = parseOrThrow(scheduleBody, req.body);
    const created = await service.createSchedule(deps, req.principal!.name, { ...body, params: body.params as ParamValues });
    res.status(201).json(await detail(created.id));
  });

  router.get('/schedules', requireRole('viewer'), async (_req, res) => {
    const rows = await db.listSchedules(pool);
    res.json({ items: await Promise.all(rows.map((s) => scheduleView(pool, s))) });
  });

  router.get('/schedules/:id', requireRole('viewer'), async (req, res) => {
    res.json(await scheduleDetail(deps, await load(req.params.id)));
  });

  router.patch('/schedules/:id', requireRole('operator'), async (req, res) => {
    const id = idOf(req.params.id);
    const patch = parseOrThrow(schedulePatch, req.body);
    if (Object.keys(patch).filter((k) => k !== 'confirmProduction').length === 0) {
      throw validationError([{ path: '', message: 'send at least one field to change' }]);
    }
    await service.updateSchedule(deps, req.principal!.name, id, { ...patch, params: patch.params as ParamValues | undefined });
    res.json(await detail(id));
  });

  router.delete('/schedules/:id', requireRole('operator'), async (req, res) => {
    await service.deleteSchedule(deps, req.principal!.name, idOf(req.params.id));
    res.status(204).end();
  });

  router.post('/schedules/:id/pause', requireRole('operator'), async (req, res) => {
    const id = idOf(req.params.id);
    const body = parseOrThrow(pauseBody, req.body);
    await service.setSchedulePaused(deps, req.principal!.name, id, true, body.reason ?? null);
    res.json(await detail(id));
  });

  router.post('/schedules/:id/unpause', requireRole('operator'), async (req, res) => {
    const id = idOf(req.params.id);
    parseOrThrow(emptyBody, req.body);
    await service.setSchedulePaused(deps, req.principal!.name, id, false, null);
    res.json(await detail(id));
  });

  router.post('/schedules/:id/trigger', requireRole('operator'), async (req, res) => {
    const id = idOf(req.params.id);
    parseOrThrow(emptyBody, req.body);
    await service.triggerSchedule(deps, req.principal!.name, id);
    res.status(202).json(await detail(id));
  });

  router.post('/schedules/:id/approve', requireRole('operator'), async (req, res) => {
    const id = idOf(req.params.id);
    parseOrThrow(emptyBody, req.body);
    await service.approveSchedule(deps, req.principal!.name, id);
    res.json(await detail(id));
  });

  return router;
}
