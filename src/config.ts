import os from 'node:os';
import path from 'node:path';

import { z } from 'zod';

import { parsePayloadKeys } from './temporal/payloadCodec';

/**
 * Every setting Migrator reads from its environment. Parsed once at start by `loadConfig`;
 * the docker-compose test reads the keys of this schema to check each service gets them.
 */
export const configSchema = z.object({
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/migrator'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('migrations'),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /**
   * Where people reach the API and the console, e.g. `https://migrator.example.org`; the console's
   * cookie writes must come from its origin, and its cookie is `Secure` when it is https. Empty:
   * `http://127.0.0.1:<PORT>`.
   */
  MIGRATOR_PUBLIC_URL: z.union([z.literal(''), z.url()]).default(''),
  /** Hours a console session may stay unused before it ends. */
  SESSION_IDLE_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  MIGRATOR_ADMIN_TOKEN: z
    .string()
    .min(16, 'MIGRATOR_ADMIN_TOKEN must be at least 16 characters; generate one with `openssl rand -hex 32`.')
    .optional(),
  /**
   * The keys that encrypt what Migrator hands to Temporal (params, approval reasons, failure
   * messages): `keyId:base64key` entries, comma-separated, each 32 bytes; the first encrypts,
   * all decrypt (rotation: put the new key first and keep the old ones). The same on every API
   * and worker. Required unless MIGRATOR_PAYLOAD_ENCRYPTION is `off`.
   */
  MIGRATOR_PAYLOAD_KEYS: z
    .string()
    .default('')
    .superRefine((raw, ctx) => {
      if (raw.trim() === '') return;
      try {
        parsePayloadKeys(raw);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
  /** `off` stores payloads in Temporal in plain text, on purpose; `on` (the default) needs MIGRATOR_PAYLOAD_KEYS. */
  MIGRATOR_PAYLOAD_ENCRYPTION: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds between TERM and KILL when a run is cancelled or times out. */
  KILL_GRACE_SECONDS: z.coerce.number().int().min(0).max(600).default(5),
  /**
   * How often a failing step of an execution is tried before the execution fails, and the longest
   * wait between two tries (runScript gets twice the attempts; finalizeExecution retries until it
   * succeeds). Read by the API, which hands them to each execution's workflow as it starts it.
   */
  ACTIVITY_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  ACTIVITY_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * Seconds between two rounds of the worker's reconciler, which ends executions whose workflow
   * closed or vanished without recording an outcome (LOST) and kills their run.
   */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
  /**
   * Activities one worker runs at once. Every running execution holds one (`runScript`, for the
   * whole run) and its short steps take one each while they run: at most about this many
   * executions run on one worker, the rest wait in the task queue for another worker or a free
   * slot. Temporal's own default is 100.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(5000).default(500),
  /** Channels per pooled SSH connection: the hosts' sshd `MaxSessions` (a lower one is learned from its refusals). */
  SSH_MAX_SESSIONS: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * The only directory SSH private keys are read from, by workers only (the API's environment check runs on one). An
   * environment's relative privateKeyPath resolves inside it; an absolute one must lie inside it.
   */
  SSH_KEY_DIR: z.string().regex(/^\//, 'must be an absolute path').default(path.join(os.homedir(), '.ssh')),
  /** Seconds TCP connect and the SSH handshake may take before a host counts as unreachable. */
  SSH_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  /**
   * Days the logs and run directories of a finished execution are kept; a daily Schedule deletes
   * older ones. At least 1: 0 would delete the logs of every finished execution at once.
   */
  LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * host:port where the worker serves Temporal's worker metrics (task latencies, slots, polls)
   * for Prometheus; empty turns them off. The API serves its own at `GET /metrics`.
   */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^$|^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464, or empty')
    .default(''),
  /**
   * `true` lets webhooks reach loopback, private and link-local addresses (tests, receivers on
   * the premises). Off, such URLs are refused at creation and at every connect.
   */
  NOTIFY_ALLOW_PRIVATE_ADDRESSES: z.stringbool().default(false),
  /** A webhook delivery retries from this many seconds, doubling up to the maximum, for NOTIFY_RETRY_HOURS. */
  NOTIFY_RETRY_INITIAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(10),
  NOTIFY_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(24 * 3600).default(3600),
  NOTIFY_RETRY_HOURS: z.coerce.number().min(0.001).max(24 * 7).default(24),
});

export type Config = z.infer<typeof configSchema>;

/** Parses `env`; on a bad value prints which variable is wrong and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration; fix these environment variables and start again:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
