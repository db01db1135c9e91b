import { z } from 'zod';

import { auditEntityTypes } from '../db/audit';
import { executionStatuses, interpreters } from '../model/execution';
import { parameterListSchema } from '../jobs/parameters';
import { loginPattern, normaliseLogin } from '../people';
import { passphraseEnvPrefix } from '../model/credentials';
import { overlapPolicies } from '../schedules/model';
import { roles } from './auth';

const name = z.string().trim().min(1).max(100).regex(/^[^\0]*$/, 'must not contain a NUL byte');
const noNul = (max: number) => z.string().max(max).regex(/^[^\0]*$/, 'must not contain a NUL byte');
const absolutePath = noNul(1024).regex(/^\//, 'must be an absolute path');

export const idSchema = z.uuid();

/**
 * The most executions one environment may run at once: the check on `environments.max_concurrency`
 * (migration 0014) says the same. Past what one worker holds (WORKER_MAX_CONCURRENT_ACTIVITIES),
 * run more workers.
 */
export const maxEnvironmentConcurrency = 1000;

const cursor = z.string().max(500).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API returned');

const fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be an OpenSSH SHA256 fingerprint as `ssh-keygen -lf` prints it');

/** Every field an admin may set on an environment; create adds defaults, PATCH takes any subset. */
export const environmentFields = {
  name,
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  username: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be a plain user name'),
  privateKeyPath: noNul(1024)
    .min(1)
    .describe("a key file inside the worker's SSH_KEY_DIR: relative to it, or an absolute path inside it")
    .nullable(),
  passphraseEnv: z
    .string()
    .regex(
      new RegExp(`^${passphraseEnvPrefix}[A-Z0-9_]{1,64}$`),
      `must be the name of an environment variable that starts with ${passphraseEnvPrefix} (upper case, digits, underscores)`,
    )
    .nullable(),
  useAgent: z.boolean(),
  hostKeyFingerprint: fingerprint.nullable(),
  nodePath: absolutePath.nullable(),
  shellInit: noNul(2000).nullable(),
  production: z.boolean(),
  /** Executions running at once on this environment; the rest wait their turn, FIFO. Bounded like the table's check (migration 0014). */
  maxConcurrency: z.number().int().min(1).max(maxEnvironmentConcurrency),
  /** How long a production execution waits for a second operator's approval. */
  approvalTimeoutSeconds: z.number().int().min(5).max(30 * 24 * 3600),
};

/** An environment must give the worker a way to log in. */
export function hasCredentials(env: { privateKeyPath: string | null; useAgent: boolean }): boolean {
  return env.privateKeyPath !== null || env.useAgent;
}
export const credentialsRule = {
  path: ['privateKeyPath'],
  message: 'set privateKeyPath or useAgent: true, or the worker has no way to log in',
};

const archived = z.boolean().describe('true archives (hidden from lists, nothing new can start on it); false restores');

export const environmentBody = z
  .object({
    ...environmentFields,
    port: environmentFields.port.default(22),
    privateKeyPath: environmentFields.privateKeyPath.default(null),
    passphraseEnv: environmentFields.passphraseEnv.default(null),
    useAgent: environmentFields.useAgent.default(false),
    hostKeyFingerprint: environmentFields.hostKeyFingerprint.default(null),
    nodePath: environmentFields.nodePath.default(null),
    shellInit: environmentFields.shellInit.default(null),
    production: environmentFields.production.default(false),
    maxConcurrency: environmentFields.maxConcurrency.default(1),
    approvalTimeoutSeconds: environmentFields.approvalTimeoutSeconds.default(24 * 3600),
  })
  .strict()
  .refine(hasCredentials, credentialsRule);

export const environmentPatch = z
  .object(environmentFields)
  .partial()
  .extend({ archived: archived.optional() })
  .strict();

export const sourceFields = { name, system: name, description: noNul(2000).nullable() };

export const sourceBody = z.object({ ...sourceFields, description: sourceFields.description.default(null) }).strict();

export const sourcePatch = z.object(sourceFields).partial().extend({ archived: archived.optional() }).strict();

export const jobFields = {
  name,
  sourceId: idSchema,
  scriptPath: absolutePath,
  interpreter: z.enum(interpreters),
  parameters: parameterListSchema,
  timeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600),
};

export const jobBody = z
  .object({ ...jobFields, parameters: jobFields.parameters.default([]), timeoutSeconds: jobFields.timeoutSeconds.default(3600) })
  .strict();

export const jobPatch = z.object(jobFields).partial().extend({ archived: archived.optional() }).strict();

export const catalogListQuery = z
  .object({ includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').default(false) })
  .strict();

export const executionBody = z
  .object({
    jobId: idSchema,
    environmentId: idSchema,
    params: z.record(z.string(), z.unknown()).default({}),
    confirmProduction: noNul(100).optional(),
  })
  .strict();

export const logsQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional().describe('lines after this seq, oldest first (the default: from the start)'),
    before: z.coerce.number().int().min(1).optional().describe('the lines just before this seq, for reading upwards'),
    tail: z.coerce.number().int().min(1).max(5000).optional().describe('the last this many lines'),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict()
  .refine((q) => [q.after, q.before, q.tail].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of after, before and tail',
    path: ['before'],
  });

const executionStatusList = z
  .string()
  .max(200)
  .transform((v) => v.split(','))
  .pipe(z.array(z.enum(executionStatuses)).min(1));

export const executionListQuery = z
  .object({
    status: executionStatusList.optional().describe('one status or several, comma-separated'),
    jobId: idSchema.optional(),
    sourceId: idSchema.optional(),
    environmentId: idSchema.optional(),
    job: name.optional().describe('the job by name'),
    source: name.optional().describe('the source by name'),
    environment: name.optional().describe('the environment by name'),
    startedBy: name.transform(normaliseLogin).optional().describe('the login of who started it'),
    from: z.iso.datetime({ offset: true }).optional().describe('created at or after'),
    to: z.iso.datetime({ offset: true }).optional().describe('created before'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: cursor.optional().describe('nextCursor of the previous page'),
  })
  .strict();

/** Routes that take no input still refuse a body that is not an empty object, rather than ignore it. */
export const emptyBody = z.object({}).strict().default({});

/** Optional body of approve and reject. */
export const decisionBody = z.object({ reason: noNul(1000).optional() }).strict().default({});

/** Optional body of rerun: a production environment needs its name typed back again. */
export const rerunBody = z.object({ confirmProduction: noNul(100).optional() }).strict().default({});

export const tokenBody = z
  .object({
    name,
    owner: z
      .string()
      .regex(loginPattern, 'must be the login of the person who holds the token: letters, digits, and . _ @ - after the first')
      .transform(normaliseLogin)
      .describe('the person who holds the token; four eyes compare owners, and one person may hold several tokens'),
    role: z.enum(roles),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((at) => Date.parse(at) > Date.now(), 'must be in the future')
      .nullable()
      .default(null),
  })
  .strict();

export const auditQuery = z
  .object({
    entityType: z.enum(auditEntityTypes).optional(),
    entityId: idSchema.optional(),
    actor: name.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: cursor.optional(),
  })
  .strict();

/** An IANA time zone this process knows (Temporal's list is the same tz database). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const scheduleFields = {
  name,
  jobId: idSchema,
  environmentId: idSchema,
  params: z.record(z.string(), z.unknown()),
  cron: noNul(200)
    .trim()
    .min(1)
    .nullable()
    .describe('a cron expression as Temporal parses it (5 to 7 fields, or @daily, @every 1h and the like); give it or intervalSeconds'),
  intervalSeconds: z.number().int().min(1).max(366 * 24 * 3600).nullable().describe('every this many seconds; give it or cron'),
  timeZone: z.string().min(1).max(100).refine(isTimeZone, 'is not a time zone this server knows; use an IANA name such as Europe/Berlin').describe('IANA time zone of the cron expression'),
  note: noNul(2000).nullable().describe('for people reading the schedule in Migrator; never sent to Temporal'),
  overlap: z.enum(overlapPolicies).describe('a run due while the previous one still runs: skip it (recorded as skipped), or buffer one to run after'),
};

const confirmProduction = noNul(100).optional().describe("production: the environment's name typed back, on create and when job, environment, params or spec change");

const oneSpec = (s: { cron?: string | null; intervalSeconds?: number | null }) => (s.cron ?? null) === null !== ((s.intervalSeconds ?? null) === null);

export const scheduleBody = z
  .object({
    ...scheduleFields,
    params: scheduleFields.params.default({}),
    cron: scheduleFields.cron.default(null),
    intervalSeconds: scheduleFields.intervalSeconds.default(null),
    timeZone: scheduleFields.timeZone.default('UTC'),
    note: scheduleFields.note.default(null),
    overlap: scheduleFields.overlap.default('skip'),
    confirmProduction,
  })
  .strict()
  .refine(oneSpec, { path: ['cron'], message: 'give either cron or intervalSeconds, not both and not neither' });

export const schedulePatch = z
  .object(scheduleFields)
  .partial()
  .extend({ confirmProduction })
  .strict()
  .refine((p) => !(typeof p.cron === 'string' && typeof p.intervalSeconds === 'number'), {
    path: ['cron'],
    message: 'give either cron or intervalSeconds, not both',
  });

/** Optional body of pause. */
export const pauseBody = z.object({ reason: noNul(1000).optional() }).strict().default({});
