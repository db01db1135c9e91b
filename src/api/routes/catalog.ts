import { Router } from 'express';
import type { Pool } from 'pg';
import type { z } from 'zod';

import * as environments from '../../db/environments';
import * as jobs from '../../db/jobs';
import * as sources from '../../db/sources';
import { requireRole } from '../auth';
import { notFound, parseOrThrow, validationError } from '../problem';
import { environmentBody, idSchema, jobBody, sourceBody } from '../schemas';

interface Resource<B extends z.ZodType, T> {
  path: string;
  what: string;
  body: B;
  insert: (pool: Pool, body: z.infer<B>) => Promise<T>;
  list: (pool: Pool) => Promise<T[]>;
  get: (pool: Pool, id: string) => Promise<T | undefined>;
  /** Checks that need the database, e.g. that referenced rows exist; throws a validation error. */
  check?: (pool: Pool, body: z.infer<B>) => Promise<void>;
}

/** Create (admin), list and get (viewer) for one catalog collection. */
function addResource<B extends z.ZodType, T>(router: Router, pool: Pool, r: Resource<B, T>): void {
  router.post(`/${r.path}`, requireRole('admin'), async (req, res) => {
    const body = parseOrThrow(r.body, req.body);
    await r.check?.(pool, body);
    res.status(201).json(await r.insert(pool, body));
  });
  router.get(`/${r.path}`, requireRole('viewer'), async (_req, res) => {
    res.json({ items: await r.list(pool) });
  });
  router.get(`/${r.path}/:id`, requireRole('viewer'), async (req, res) => {
    const id = req.params.id as string;
    const found = idSchema.safeParse(id).success ? await r.get(pool, id) : undefined;
    if (!found) throw notFound(`${r.what} ${id}`);
    res.json(found);
  });
}

/** Environments, sources and jobs: what operators run, and where. Admins write, everyone reads. */
export function catalogRoutes(pool: Pool): Router {
  const router = Router();
  addResource(router, pool, {
    path: 'environments',
    what: 'Environment',
    body: environmentBody,
    insert: environments.insertEnvironment,
    list: environments.listEnvironments,
    get: environments.getEnvironment,
  });
  addResource(router, pool, {
    path: 'sources',
    what: 'Source',
    body: sourceBody,
    insert: sources.insertSource,
    list: sources.listSources,
    get: sources.getSource,
  });
  addResource(router, pool, {
    path: 'jobs',
    what: 'Job',
    body: jobBody,
    insert: jobs.insertJob,
    list: jobs.listJobs,
    get: jobs.getJob,
    check: async (db, body) => {
      if (!(await sources.getSource(db, body.sourceId))) {
        throw validationError([{ path: 'sourceId', message: 'no source has this id' }]);
      }
    },
  });
  return router;
}
