import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';

import { auditEntityTypes } from '../db/audit';
import { executionStatuses, interpreters, outputStreams } from '../model/execution';
import { errorCodes } from '../errors';
import { logsPageMaxBytes } from '../logs/pageBudget';
import { roles, type Role } from './auth';
import { notificationEvents, notificationFormats } from '../notifications/events';
import { deliveriesQuery, notificationBody, notificationPatch } from './notificationSchemas';
import { codecBody } from './routes/codec';
import { streamQuery } from './routes/logStream';
import { previewBody } from './routes/jobTools';
import { sessionBody } from './routes/session';
import { statusStreamQuery } from './routes/statusStream';
import {
  auditQuery,
  catalogListQuery,
  decisionBody,
  emptyBody,
  environmentBody,
  environmentFields,
  environmentPatch,
  executionBody,
  executionListQuery,
  idSchema,
  jobBody,
  jobFields,
  jobPatch,
  logsQuery,
  pauseBody,
  rerunBody,
  scheduleBody,
  scheduleFields,
  schedulePatch,
  sourceBody,
  sourceFields,
  sourcePatch,
  tokenBody,
} from './schemas';

const timestamp = z.iso.datetime({ offset: true });
const idPath = z.object({ id: idSchema });

const problem = z
  .object({
    type: z.string(),
    status: z.number().int(),
    title: z.string(),
    detail: z.string(),
    code: z.enum(errorCodes),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'application/problem+json; `code` is stable, `errors` names each bad field' });

const stored = { id: idSchema, archivedAt: timestamp.nullable(), createdAt: timestamp, updatedAt: timestamp };
const adminOnly = 'absent for readers below admin';
const environment = z
  .object({
    ...environmentFields,
    ...stored,
    privateKeyPath: environmentFields.privateKeyPath.optional().describe(adminOnly),
    passphraseEnv: environmentFields.passphraseEnv.optional().describe(adminOnly),
    shellInit: environmentFields.shellInit.optional().describe(adminOnly),
  })
  .meta({ id: 'Environment' });
const source = z.object({ ...sourceFields, ...stored }).meta({ id: 'Source' });
const job = z.object({ ...jobFields, ...stored }).meta({ id: 'Job' });

const actionAnswer = z.object({ allowed: z.boolean(), reason: z.string().optional() }).meta({ id: 'ActionAnswer' });
const links = z.object({ self: z.string(), logs: z.string(), logStream: z.string(), logText: z.string(), temporalUi: z.url() });
const execution = z
  .object({
    id: idSchema,
    jobId: idSchema,
    environmentId: idSchema,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    confirmProduction: z.string().nullable(),
    status: z.enum(executionStatuses),
    exitCode: z.number().int().nullable(),
    errorCode: z.enum(errorCodes).nullable(),
    errorMessage: z.string().nullable(),
    jobName: z.string(),
    sourceName: z.string(),
    environmentName: z.string(),
    startedBy: z.string().describe('the login of the person who started it'),
    approvedBy: z.string().nullable(),
    approvedAt: timestamp.nullable(),
    approvalDeadline: timestamp.nullable().describe('production only: undecided by then, it fails APPROVAL_TIMEOUT'),
    approvalNote: z.string().nullable(),
    rejectedBy: z.string().nullable(),
    rejectedAt: timestamp.nullable(),
    cancelledBy: z.string().nullable().describe('who asked for the cancel (the first who asked)'),
    cancelledAt: timestamp.nullable(),
    queuePosition: z
      .number()
      .int()
      .nullable()
      .describe('while queued: how many executions of the same environment are ahead of this one (0 = next in line); null otherwise'),
    rerunOf: idSchema.nullable(),
    scheduleId: idSchema.nullable().describe('the schedule that started it; null for starts by people'),
    scheduleVersion: z.number().int().nullable().describe("the schedule's version it ran (on production: the approved one)"),
    workflowId: z.string(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    lineCount: z.number().int(),
    progress: z.object({
      lines: z.number().int(),
      done: z.number().nullable(),
      total: z.number().nullable(),
      percent: z.number().nullable().describe('from the script\'s latest `::progress <done>/<total>` line'),
    }),
    logsPurgedAt: timestamp.nullable().describe('when the retention cleanup deleted the log'),
    links,
    actions: z
      .object(Object.fromEntries(['approve', 'reject', 'cancel', 'rerun'].map((a) => [a, actionAnswer])) as Record<'approve' | 'reject' | 'cancel' | 'rerun', typeof actionAnswer>)
      .describe('what the caller may do with it now, and why not (the console shows these; the routes enforce the same rules)'),
  })
  .meta({ id: 'Execution' });
const executionDetail = execution;
const executionItem = execution;
const accepted = z.object({ id: idSchema, status: z.enum(executionStatuses), workflowId: z.string(), links });
const logLine = z
  .object({
    seq: z.number().int(),
    stream: z.enum(outputStreams),
    ts: timestamp,
    text: z.string(),
    continued: z.boolean().describe('the printed line was longer than the line cap and goes on in the next one'),
  })
  .meta({ id: 'LogLine', description: 'one stored line; also the data of a `log` event of the live stream' });
const logPage = z.object({
  lines: z.array(logLine),
  nextAfter: z.number().int().describe('the last seq of this page: pass it as `after` for the next'),
  previousBefore: z.number().int().nullable().describe('the first seq of this page when earlier lines exist: pass it as `before` to read upwards'),
  complete: z.boolean(),
  lineCount: z.number().int().describe('lines stored so far'),
});
const token = z
  .object({
    id: idSchema,
    name: z.string(),
    owner: z.string().describe('the login of the person who holds the token'),
    role: z.enum(roles),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    createdAt: timestamp,
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'Token' });
const runPreview = z
  .object({ interpreter: z.enum(interpreters), scriptPath: z.string(), argv: z.array(z.string()), commandLine: z.string() })
  .meta({ id: 'RunPreview' });
const me = z
  .object({
    login: z.string().describe('the person'),
    role: z.enum(roles),
    tokenName: z.string(),
    authenticatedBy: z.enum(['session', 'token']).optional(),
    sessionExpiresAt: timestamp.nullable().describe('when the session ends if it stays unused'),
  })
  .meta({ id: 'Me' });
const auditEntry = z.object({
  id: z.string(),
  at: timestamp,
  actor: z.string(),
  action: z.string(),
  entityType: z.enum(auditEntityTypes),
  entityId: idSchema,
  before: z.unknown(),
  after: z.unknown(),
});
const hostCheck = z.object({
  environmentId: idSchema,
  host: z.string(),
  port: z.number().int(),
  hostKeyFingerprint: z.string(),
  pinnedBefore: z
    .boolean()
    .describe('true when the environment already had this fingerprint pinned (by an admin, an earlier check, or a concurrent check that recorded it first)'),
  pinnedNow: z.boolean().describe('true when this check recorded the fingerprint, none being pinned; audited with the caller as actor'),
  node: z.object({ ok: z.boolean(), version: z.string().optional(), command: z.string().optional(), error: z.string().optional() }),
  tools: z.record(z.string(), z.boolean()),
  checkedAt: timestamp,
});
const notificationTarget = z
  .object({
    id: idSchema,
    name: z.string(),
    url: z.string().describe('masked: scheme and host only; the URL is stored encrypted'),
    events: z.array(z.enum(notificationEvents)),
    environmentIds: z.array(idSchema).nullable(),
    jobIds: z.array(idSchema).nullable(),
    onlyProduction: z.boolean(),
    format: z.enum(notificationFormats),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    secretRotatedAt: timestamp,
  })
  .meta({ id: 'NotificationTarget' });
const notificationTargetWithSecret = notificationTarget
  .extend({ secret: z.string().describe('signs every delivery (Migrator-Signature); in this answer only') })
  .meta({ id: 'NotificationTargetWithSecret' });
const notificationDelivery = z
  .object({
    id: idSchema.describe('sent as Migrator-Delivery; the same on every attempt'),
    targetId: idSchema,
    event: z.string(),
    executionId: idSchema.nullable(),
    scheduleId: idSchema.nullable().describe('on schedule events'),
    scheduleVersion: z.number().int().nullable().describe('the version a schedule event names'),
    scheduleRunId: z.string().nullable().describe('the skipped run a schedule.run_skipped event names'),
    workflowId: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable().describe('the HTTP status of the last attempt; null when it got no answer'),
    lastError: z.string().nullable(),
    lastAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'NotificationDelivery' });
const schedule = z
  .object({
    id: idSchema,
    ...scheduleFields,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    confirmProduction: z.string().nullable(),
    paused: z.boolean().describe('paused by an operator'),
    pausedBy: z.string().nullable(),
    pausedAt: timestamp.nullable(),
    pauseReason: z.string().nullable(),
    version: z.number().int().describe('the current version; every change makes one'),
    approvedVersion: z.number().int().nullable().describe('production: the version a second operator approved, which is what runs'),
    approvedBy: z.string().nullable(),
    approvedAt: timestamp.nullable(),
    production: z.boolean(),
    awaitingApproval: z.boolean().describe('production: the current version (or the job or environment under it) is not approved yet; the Schedule stays paused'),
    revisionChanged: z.boolean().describe('production: the job or the environment changed since the approved version; the next run or approval writes a new version to approve'),
    state: z.enum(['active', 'paused', 'awaiting_approval']),
    temporalScheduleId: z.string(),
    createdBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Schedule' });
const scheduleRun = z
  .object({
    id: z.string(),
    scheduleId: idSchema,
    version: z.number().int().nullable().describe('the version it ran or would have run'),
    at: timestamp,
    outcome: z.enum(['started', 'skipped']),
    executionId: idSchema.nullable(),
    reasonCode: z.string().nullable().describe('why it was skipped: an error code of the start (ALREADY_RUNNING, CONFLICT, ...), OVERLAP, NOT_APPROVED or REVISION_CHANGED'),
    reason: z.string().nullable(),
  })
  .meta({ id: 'ScheduleRun' });
const scheduleDetail = schedule
  .extend({
    nextRunTimes: z.array(timestamp).nullable().describe("the next (up to 5) times Temporal will run it; null when Temporal did not answer"),
    runs: z.array(scheduleRun).describe('the last runs, newest first'),
  })
  .meta({ id: 'ScheduleDetail' });

const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const problems = (statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'problem', content: { 'application/problem+json': { schema: problem } } }]));

interface Operation {
  summary: string;
  /** The least role allowed; `null` for public routes. */
  role: Role | null;
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  status: 200 | 201 | 202 | 204;
  response?: z.ZodType;
  errors?: number[];
}

function operation(o: Operation): ZodOpenApiOperationObject {
  const authErrors = o.role ? [401, 403] : [];
  return {
    summary: o.summary,
    ...(o.role ? { security: [{ bearer: [] }], 'x-required-role': o.role } : { security: [] }),
    ...(o.path || o.query ? { requestParams: { ...(o.path ? { path: o.path } : {}), ...(o.query ? { query: o.query } : {}) } } : {}),
    ...(o.body ? { requestBody: { required: !o.body.safeParse(undefined).success, ...json(o.body) } } : {}),
    responses: {
      [String(o.status)]: { description: o.summary, ...(o.response ? json(o.response) : {}) },
      ...problems([...authErrors, ...(o.errors ?? [])]),
    },
  };
}

function catalogPaths(plural: string, what: string, schemas: { body: z.ZodType; patch: z.ZodType; view: z.ZodType }): ZodOpenApiPathsObject {
  return {
    [`/api/v1/${plural}`]: {
      post: operation({ summary: `Create a ${what}`, role: 'admin', body: schemas.body, status: 201, response: schemas.view, errors: [400, 409, 413] }),
      get: operation({ summary: `List ${plural}`, role: 'viewer', query: catalogListQuery, status: 200, response: listOf(schemas.view), errors: [400] }),
    },
    [`/api/v1/${plural}/{id}`]: {
      get: operation({ summary: `Get a ${what}`, role: 'viewer', path: idPath, status: 200, response: schemas.view, errors: [404] }),
      patch: operation({
        summary: `Change or archive a ${what}`,
        role: 'admin',
        path: idPath,
        body: schemas.patch,
        status: 200,
        response: schemas.view,
        errors: [400, 404, 409],
      }),
      delete: operation({ summary: `Delete a ${what} nothing refers to`, role: 'admin', path: idPath, status: 204, errors: [404, 409] }),
    },
  };
}

const decision = (verb: string) =>
  operation({ summary: `${verb} a production execution`, role: 'operator', path: idPath, body: decisionBody, status: 200, response: executionDetail, errors: [400, 404, 409] });

/** The OpenAPI 3.1 document, built from the same zod schemas the routes validate with. */
export function buildOpenApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Migrator API',
      version: '1',
      description: 'Runs data-migration scripts on remote servers over SSH as durable Temporal workflows.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/healthz': { get: operation({ summary: 'Liveness', role: null, status: 200 }) },
      '/readyz': { get: operation({ summary: 'Readiness of PostgreSQL and Temporal', role: null, status: 200, errors: [503] }) },
      '/api/v1/openapi.json': { get: operation({ summary: 'This document', role: null, status: 200 }) },
      '/api/v1/docs': {
        get: {
          ...operation({ summary: 'This document as a reference page for people (Swagger UI, served offline)', role: null, status: 200 }),
          description: 'Redirects to `/api/v1/docs/`, the page; its assets come from this API, nothing from outside.',
        },
      },
      '/metrics': { get: operation({ summary: 'Prometheus metrics of this API process', role: null, status: 200 }) },
      ...catalogPaths('environments', 'environment', { body: environmentBody, patch: environmentPatch, view: environment }),
      '/api/v1/environments/{id}/check': {
        post: operation({
          summary: 'A worker connects, reports (and on first use pins) the host key, node and the tools; 503 when no worker answers in 30 s',
          role: 'admin',
          path: idPath,
          body: emptyBody,
          status: 200,
          response: hostCheck,
          errors: [404, 409, 502, 503],
        }),
      },
      ...catalogPaths('sources', 'source', { body: sourceBody, patch: sourcePatch, view: source }),
      ...catalogPaths('jobs', 'job', { body: jobBody, patch: jobPatch, view: job }),
      '/api/v1/executions': {
        post: operation({ summary: 'Start an execution', role: 'operator', body: executionBody, status: 202, response: accepted, errors: [400, 409, 413, 503] }),
        get: operation({ summary: 'History, newest first', role: 'viewer', query: executionListQuery, status: 200, response: pageOf(executionItem), errors: [400] }),
      },
      '/api/v1/executions/{id}': {
        get: operation({ summary: 'One execution', role: 'viewer', path: idPath, status: 200, response: executionDetail, errors: [404] }),
      },
      '/api/v1/executions/{id}/logs': {
        get: {
          ...operation({ summary: 'A page of log lines', role: 'viewer', path: idPath, query: logsQuery, status: 200, response: logPage, errors: [400, 404] }),
          description:
            `At most \`limit\` lines and at most ${logsPageMaxBytes / 1024 / 1024} MiB of line text per page, whichever comes first ` +
            '(a page always holds at least one line, however long). Page with `after` = `nextAfter` until `complete`; a short page does not mean the end.',
        },
      },
      '/api/v1/executions/{id}/logs/stream': {
        get: {
          ...operation({ summary: 'Live log as server-sent events', role: 'viewer', path: idPath, query: streamQuery, status: 200, errors: [400, 404] }),
          description:
            'text/event-stream. Events: `log` (id = seq, data = {seq, stream, ts, text, continued}), `status` ({status}), and `end` ({status, lastSeq}) ' +
            'after the last line of a finished execution. Resume with the Last-Event-ID header (or `after`). Keep-alive comments every 15 s. ' +
            'Once the token is revoked or expires (checked every 15 s), the stream ends with `unauthenticated` ({status: 401, code, title, detail, lastSeq}).',
        },
      },
      '/api/v1/executions/{id}/logs.txt': {
        get: operation({ summary: 'The whole log as text/plain, streamed', role: 'viewer', path: idPath, status: 200, errors: [404] }),
      },
      '/api/v1/executions/{id}/cancel': {
        post: operation({ summary: 'Cancel; the remote process group is killed', role: 'operator', path: idPath, body: emptyBody, status: 202, errors: [400, 404, 409] }),
      },
      '/api/v1/executions/{id}/approve': { post: decision('Approve (not by its starter)') },
      '/api/v1/executions/{id}/reject': { post: decision('Reject') },
      '/api/v1/executions/{id}/rerun': {
        post: operation({ summary: 'Start a new execution with the same job, environment and params', role: 'operator', path: idPath, body: rerunBody, status: 202, response: accepted, errors: [400, 404, 409, 503] }),
      },
      '/api/v1/jobs/{id}/params-schema': {
        get: operation({ summary: 'The JSON Schema (2020-12) of a job\'s params, in their positional order (x-order)', role: 'viewer', path: idPath, status: 200, response: z.record(z.string(), z.unknown()), errors: [404] }),
      },
      '/api/v1/jobs/{id}/preview': {
        post: operation({ summary: 'What the host would run for these params (validated like a start); nothing runs', role: 'viewer', path: idPath, body: previewBody, status: 200, response: runPreview, errors: [400, 404] }),
      },
      '/api/v1/executions/events': {
        get: {
          ...operation({ summary: 'Status changes of every execution, new ones included, as server-sent events', role: 'viewer', query: statusStreamQuery, status: 200, errors: [400] }),
          description: 'Events: `ready` once following; `status` `{id, status, environmentId, jobId}`; `progress` `{id, progress: {lines, done, total, percent}}` when a running execution\'s `::progress` moves; `resync` when changes may have been missed (read the list again); `unauthenticated` when the session or token stops being valid.',
        },
      },
      '/api/v1/session': {
        post: {
          ...operation({ summary: 'Sign in to the console: exchange a token for an HttpOnly session cookie', role: null, body: sessionBody, status: 201, response: me, errors: [400, 401, 403] }),
          description: 'Must come from the console\'s own origin (`MIGRATOR_PUBLIC_URL`); any other or missing `Origin` is 403 and changes nothing. The cookie is HttpOnly, SameSite=Strict, Secure on https.',
        },
        delete: operation({ summary: 'Sign out: end this session and clear its cookie', role: 'viewer', status: 204, errors: [400] }),
      },
      '/api/v1/me': {
        get: operation({ summary: 'Who is signed in, with which role', role: 'viewer', status: 200, response: me }),
      },
      '/api/v1/schedules': {
        post: operation({ summary: 'Create a schedule (a Temporal Schedule runs it)', role: 'operator', body: scheduleBody, status: 201, response: scheduleDetail, errors: [400, 409] }),
        get: operation({ summary: 'List schedules', role: 'viewer', status: 200, response: listOf(schedule) }),
      },
      '/api/v1/schedules/{id}': {
        get: operation({ summary: 'A schedule with its next run times and last runs', role: 'viewer', path: idPath, status: 200, response: scheduleDetail, errors: [404] }),
        patch: operation({ summary: 'Change a schedule (a new version)', role: 'operator', path: idPath, body: schedulePatch, status: 200, response: scheduleDetail, errors: [400, 404, 409] }),
        delete: operation({ summary: 'Delete a schedule and its Temporal Schedule (its runs stay readable)', role: 'operator', path: idPath, status: 204, errors: [404] }),
      },
      '/api/v1/schedules/{id}/pause': {
        post: operation({ summary: 'Pause a schedule', role: 'operator', path: idPath, body: pauseBody, status: 200, response: scheduleDetail, errors: [400, 404] }),
      },
      '/api/v1/schedules/{id}/unpause': {
        post: operation({ summary: 'Unpause a schedule (production: it still waits for an approval)', role: 'operator', path: idPath, body: emptyBody, status: 200, response: scheduleDetail, errors: [400, 404] }),
      },
      '/api/v1/schedules/{id}/trigger': {
        post: operation({ summary: 'Run the schedule (its approved version) now', role: 'operator', path: idPath, body: emptyBody, status: 202, response: scheduleDetail, errors: [400, 404, 409] }),
      },
      '/api/v1/schedules/{id}/approve': {
        post: operation({ summary: "Approve a production schedule's current version (not by its author)", role: 'operator', path: idPath, body: emptyBody, status: 200, response: scheduleDetail, errors: [400, 403, 404, 409] }),
      },
      '/api/v1/tokens': {
        post: operation({ summary: 'Create a token (its secret is in this answer only)', role: 'admin', body: tokenBody, status: 201, response: token.extend({ token: z.string() }), errors: [400] }),
        get: operation({ summary: 'List tokens (never their secrets)', role: 'admin', status: 200, response: listOf(token) }),
      },
      '/api/v1/tokens/{id}': {
        delete: operation({ summary: 'Revoke a token', role: 'admin', path: idPath, status: 204, errors: [404] }),
      },
      '/codec/decode': {
        post: {
          ...operation({ summary: 'Decrypt payloads (Temporal\'s remote codec protocol), for the Temporal UI and `temporal --codec-endpoint`', role: 'viewer', body: codecBody, status: 200, response: codecBody, errors: [400, 401, 403] }),
          description:
            'A bearer token, or the console\'s session cookie from the console\'s origin or the Temporal UI\'s (`TEMPORAL_UI_URL`), with CORS and credentials for that origin. `X-Namespace`, when sent, must be the configured namespace. Payloads without encryption metadata come back as they are; a key no longer configured is a 400 naming its id.',
        },
      },
      '/codec/encode': {
        post: operation({ summary: 'Encrypt payloads with the current key (operators and admins only: anyone else could encrypt chosen text under Migrator\'s key)', role: 'operator', body: codecBody, status: 200, response: codecBody, errors: [400, 401, 403] }),
      },
      '/api/v1/notifications': {
        post: operation({
          summary: 'Create a webhook target (its secret is in this answer only)',
          role: 'admin',
          body: notificationBody,
          status: 201,
          response: notificationTargetWithSecret,
          errors: [400, 409],
        }),
        get: operation({ summary: 'List webhook targets (URLs masked, never secrets)', role: 'admin', status: 200, response: listOf(notificationTarget) }),
      },
      '/api/v1/notifications/{id}': {
        get: operation({ summary: 'One webhook target', role: 'admin', path: idPath, status: 200, response: notificationTarget, errors: [404] }),
        patch: operation({ summary: 'Change a webhook target', role: 'admin', path: idPath, body: notificationPatch, status: 200, response: notificationTarget, errors: [400, 404, 409] }),
        delete: operation({ summary: 'Delete a webhook target and its deliveries', role: 'admin', path: idPath, status: 204, errors: [404] }),
      },
      '/api/v1/notifications/{id}/rotate-secret': {
        post: operation({
          summary: 'Replace the signing secret (the new one is in this answer only)',
          role: 'admin',
          path: idPath,
          body: emptyBody,
          status: 200,
          response: notificationTargetWithSecret,
          errors: [400, 404],
        }),
      },
      '/api/v1/notifications/{id}/deliveries': {
        get: operation({ summary: 'The target\'s deliveries, newest first', role: 'admin', path: idPath, query: deliveriesQuery, status: 200, response: listOf(notificationDelivery), errors: [400, 404] }),
      },
      '/api/v1/notifications/{id}/test': {
        post: operation({
          summary: 'Send a `notification.test` event to the target, as a delivery workflow',
          role: 'admin',
          path: idPath,
          body: emptyBody,
          status: 202,
          response: z.object({ deliveryId: idSchema, workflowId: z.string() }),
          errors: [400, 404, 503],
        }),
      },
      '/api/v1/audit': {
        get: operation({ summary: 'Every change to environments, sources, jobs, tokens, schedules and notification targets, newest first', role: 'admin', query: auditQuery, status: 200, response: pageOf(auditEntry), errors: [400] }),
      },
    },
  });
}
