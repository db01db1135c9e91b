import { Router } from 'express';
import type { Pool } from 'pg';

import * as environments from '../../db/environments';
import * as jobs from '../../db/jobs';
import * as sources from '../../db/sources';
import { requireRole } from '../auth';
import { notFound, parseOrThrow, validationError } from '../problem';
import { environmentBody, idSchema, jobBody, sourceBody } from '../schemas';

/** Environments, sources and jobs: what operators run, and where. Admins write, everyone reads. */
export function catalogRoutes(pool: Pool): Router {
  const router = Router();
  const admin = requireRole('admin');
  const viewer = requireRole('viewer');

  const byId = async <T>(load: (pool: Pool, id: string) => Promise<T | undefined>, id: string, what: string): Promise<T> => {
    const found = idSchema.safeParse(id).success ? await load(pool, id) : undefined;
    if (!found) throw notFound(`${what} ${id}`);
    return found;
  };

  router.post('/environments', admin, async (req, res) => {
    const body = parseOrThrow(environmentBody, req.body);
    res.status(201).json(await environments.insertEnvironment(pool, body));
  });
  router.get('/environments', viewer, async (_req, res) => {
    res.json({ items: await environments.listEnvironments(pool) });
  });
  router.get('/environments/:id', viewer, async (req, res) => {
    res.json(await byId(environments.getEnvironment, req.params.id as string, 'Environment'));
  });

  router.post('/sources', admin, async (req, res) => {
    const body = parseOrThrow(sourceBody, req.body);
    res.status(201).json(await sources.insertSource(pool, body));
  });
  router.get('/sources', viewer, async (_req, res) => {
    res.json({ items: await sources.listSources(pool) });
  });
  router.get('/sources/:id', viewer, async (req, res) => {
    res.json(await byId(sources.getSource, req.params.id as string, 'Source'));
  });

  router.post('/jobs', admin, async (req, res) => {
    const body = parseOrThrow(jobBody, req.body);
    if (!(await sources.getSource(pool, body.sourceId))) {
      throw validationError([{ path: 'sourceId', message: 'no source has this id' }]);
    }
    res.status(201).json(await jobs.insertJob(pool, body));
  });
  router.get('/jobs', viewer, async (_req, res) => {
    res.json({ items: await jobs.listJobs(pool) });
  });
  router.get('/jobs/:id', viewer, async (req, res) => {
    res.json(await byId(jobs.getJob, req.params.id as string, 'Job'));
  });

  return router;
}
