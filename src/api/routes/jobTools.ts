import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';

import { getEnvironment } from '../../db/environments';
import { getJob } from '../../db/jobs';
import { previewRun } from '../../executions/preview';
import { paramsJsonSchema } from '../../jobs/paramsJsonSchema';
import { requireRole } from '../auth';
import { notFound, parseOrThrow, validationError } from '../problem';
import { idSchema } from '../schemas';

export const previewBody = z
  .object({
    params: z.record(z.string(), z.unknown()).default({}),
    environmentId: idSchema.optional().describe('whose nodePath runs `node` jobs'),
  })
  .strict();

/** What the console's Run form needs: the job's params as JSON Schema, and a preview of what the host would run. */
export function jobToolRoutes(pool: Pool): Router {
  const router = Router();
  const loadJob = async (raw: unknown) => {
    const id = String(raw);
    const job = idSchema.safeParse(id).success ? await getJob(pool, id) : undefined;
    if (!job) throw notFound(`Job ${id}`);
    return job;
  };

  router.get('/jobs/:id/params-schema', requireRole('viewer'), async (req, res) => {
    res.json(paramsJsonSchema((await loadJob(req.params.id)).parameters));
  });

  router.post('/jobs/:id/preview', requireRole('viewer'), async (req, res) => {
    const job = await loadJob(req.params.id);
    const body = parseOrThrow(previewBody, req.body);
    const environment = body.environmentId ? await getEnvironment(pool, body.environmentId) : undefined;
    if (body.environmentId && !environment) throw validationError([{ path: 'environmentId', message: 'no environment has this id' }]);
    res.json(previewRun(job, body.params, environment?.nodePath ?? null));
  });
  return router;
}
