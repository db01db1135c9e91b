import { type Request, Router } from 'express';
import type { Pool, PoolClient } from 'pg';
import type { z } from 'zod';

import { recordAudit, type AuditEntityType } from '../../db/audit';
import { deleteCatalogRow, lockCatalogRow, updateCatalogRow, type CatalogTable, type Db } from '../../db/catalogRows';
import * as environments from '../../db/environments';
import { countActiveOn } from '../../db/executions';
import { connectionFields } from '../../model/snapshot';
import * as jobs from '../../db/jobs';
import { withTransaction } from '../../db/pool';
import * as sources from '../../db/sources';
import { requireRole } from '../auth';
import { HttpError, notFound, parseOrThrow, parseQueryOrThrow, validationError } from '../problem';
import {
  catalogListQuery,
  credentialsRule,
  environmentBody,
  environmentPatch,
  hasCredentials,
  idSchema,
  jobBody,
  jobPatch,
  sourceBody,
  sourcePatch,
} from '../schemas';

interface Resource<B extends z.ZodType, P extends z.ZodType, T> {
  path: string;
  table: CatalogTable;
  columns: string;
  entityType: AuditEntityType;
  what: string;
  body: B;
  patch: P;
  /** Fields stored as jsonb. */
  jsonFields?: string[];
  insert: (db: Db, body: z.infer<B>) => Promise<T>;
  list: (db: Db, includeArchived: boolean) => Promise<T[]>;
  get: (db: Db, id: string) => Promise<T | undefined>;
  /** Checks that need the database, e.g. that a referenced row exists; throws a validation error. */
  check?: (db: Db, fields: Partial<z.infer<B>>) => Promise<void>;
  /** Checks on the row as it would be after a PATCH (rules spanning fields). */
  checkMerged?: (row: T) => void;
  /** Checks a PATCH against the locked row and what depends on it; throws a problem. */
  checkPatch?: (db: Db, before: T, patch: Record<string, unknown>) => Promise<void>;
  /** What a reader below admin sees of a row. */
  redact?: (row: T) => Partial<T>;
  /** What refers to a row, for the message when it cannot be deleted. */
  referrers: string;
}

function actionOf(patch: { archived?: boolean }, fields: number): string {
  if (patch.archived === undefined) return 'update';
  if (fields > 1) return patch.archived ? 'update+archive' : 'update+unarchive';
  return patch.archived ? 'archive' : 'unarchive';
}

/** Full CRUD for one catalog collection: admins write (each change audited in its transaction), everyone reads. */
function addResource<B extends z.ZodType, P extends z.ZodType, T extends object>(router: Router, pool: Pool, r: Resource<B, P, T>): void {
  const idOf = (raw: unknown): string => {
    const id = String(raw);
    if (!idSchema.safeParse(id).success) throw notFound(`${r.what} ${id}`);
    return id;
  };
  const lock = async (client: PoolClient, id: string): Promise<T> => {
    const row = await lockCatalogRow<T & Record<string, unknown>>(client, r.table, r.columns, id);
    if (!row) throw notFound(`${r.what} ${id}`);
    return row;
  };

  router.post(`/${r.path}`, requireRole('admin'), async (req, res) => {
    const body = parseOrThrow(r.body, req.body);
    const created = await withTransaction(pool, async (client) => {
      await r.check?.(client, body);
      const row = await r.insert(client, body);
      const entityId = (row as { id: string }).id;
      await recordAudit(client, { actor: req.principal!.name, action: 'create', entityType: r.entityType, entityId, after: row });
      return row;
    });
    res.status(201).json(created);
  });

  const forReader = (req: Request, row: T): Partial<T> => (r.redact && req.principal?.role !== 'admin' ? r.redact(row) : row);

  router.get(`/${r.path}`, requireRole('viewer'), async (req, res) => {
    const query = parseQueryOrThrow(catalogListQuery, req.query);
    res.json({ items: (await r.list(pool, query.includeArchived)).map((row) => forReader(req, row)) });
  });

  router.get(`/${r.path}/:id`, requireRole('viewer'), async (req, res) => {
    const id = idOf(req.params.id);
    const found = await r.get(pool, id);
    if (!found) throw notFound(`${r.what} ${id}`);
    res.json(forReader(req, found));
  });

  router.patch(`/${r.path}/:id`, requireRole('admin'), async (req, res) => {
    const id = idOf(req.params.id);
    const patch = parseOrThrow(r.patch, req.body) as Record<string, unknown> & { archived?: boolean };
    const fields = Object.keys(patch).length;
    if (fields === 0) throw validationError([{ path: '', message: 'send at least one field to change' }]);
    const updated = await withTransaction(pool, async (client) => {
      const before = await lock(client, id);
      r.checkMerged?.({ ...before, ...patch });
      await r.check?.(client, patch as Partial<z.infer<B>>);
      await r.checkPatch?.(client, before, patch);
      const after = (await updateCatalogRow<T & Record<string, unknown>>(client, r.table, r.columns, id, patch, r.jsonFields))!;
      await recordAudit(client, { actor: req.principal!.name, action: actionOf(patch, fields), entityType: r.entityType, entityId: id, before, after });
      return after;
    });
    res.json(updated);
  });

  router.delete(`/${r.path}/:id`, requireRole('admin'), async (req, res) => {
    const id = idOf(req.params.id);
    await withTransaction(pool, async (client) => {
      const before = await lock(client, id);
      try {
        await deleteCatalogRow(client, r.table, id);
      } catch (err) {
        if ((err as { code?: string }).code !== '23503') throw err;
        throw new HttpError(
          409,
          'CONFLICT',
          'Still referenced',
          `${r.what} ${id} is referred to by ${r.referrers}, whose history must stay readable, so it cannot be deleted. ` +
            `Archive it instead: PATCH /api/v1/${r.path}/${id} with {"archived": true}.`,
        );
      }
      await recordAudit(client, { actor: req.principal!.name, action: 'delete', entityType: r.entityType, entityId: id, before });
    });
    res.status(204).end();
  });
}

/** A job must name an existing source; a new job may not use an archived one. */
async function checkSource(db: Db, fields: { sourceId?: string }): Promise<void> {
  if (fields.sourceId === undefined) return;
  const source = await sources.getSource(db, fields.sourceId);
  if (!source) throw validationError([{ path: 'sourceId', message: 'no source has this id' }]);
  if (source.archivedAt) throw validationError([{ path: 'sourceId', message: 'this source is archived' }]);
}

/**
 * Executions run on a snapshot of the environment's connection taken at their start; changing
 * the connection under them would make what runs differ from what the API shows, so it waits
 * until none is active.
 */
async function refuseConnectionChangeWhileActive(db: Db, before: environments.Environment, patch: Record<string, unknown>): Promise<void> {
  const changed = connectionFields.filter((field) => field in patch && patch[field] !== before[field]);
  if (changed.length === 0) return;
  const active = await countActiveOn(db, before.id);
  if (active > 0) {
    throw new HttpError(
      409,
      'CONFLICT',
      'Environment in use',
      `Environment "${before.name}" has ${active} active execution${active > 1 ? 's' : ''} (queued, awaiting approval or running), which run on its connection as it was when they started. ` +
        `Wait for them to end, or cancel them, before changing ${changed.join(', ')}.`,
    );
  }
}

/** Environments, sources and jobs: what operators run, and where. */
export function catalogRoutes(pool: Pool): Router {
  const router = Router();
  addResource(router, pool, {
    path: 'environments',
    table: 'environments',
    columns: environments.environmentColumns,
    entityType: 'environment',
    what: 'Environment',
    body: environmentBody,
    patch: environmentPatch,
    insert: environments.insertEnvironment,
    list: environments.listEnvironments,
    get: environments.getEnvironment,
    checkMerged: (env) => {
      if (!hasCredentials(env)) throw validationError([{ path: credentialsRule.path[0]!, message: credentialsRule.message }]);
    },
    checkPatch: refuseConnectionChangeWhileActive,
    // How hosts are logged in to and what runs before scripts is for admins only.
    redact: ({ privateKeyPath: _key, passphraseEnv: _passphrase, shellInit: _init, ...env }) => env,
    referrers: 'executions',
  });
  addResource(router, pool, {
    path: 'sources',
    table: 'sources',
    columns: sources.sourceColumns,
    entityType: 'source',
    what: 'Source',
    body: sourceBody,
    patch: sourcePatch,
    insert: sources.insertSource,
    list: sources.listSources,
    get: sources.getSource,
    referrers: 'jobs',
  });
  addResource(router, pool, {
    path: 'jobs',
    table: 'jobs',
    columns: jobs.jobColumns,
    entityType: 'job',
    what: 'Job',
    body: jobBody,
    patch: jobPatch,
    jsonFields: ['parameters'],
    insert: jobs.insertJob,
    list: jobs.listJobs,
    get: jobs.getJob,
    check: checkSource,
    referrers: 'executions',
  });
  return router;
}
