import { z } from 'zod';

import { parameterListSchema } from '../jobs/parameters';

const name = z.string().trim().min(1).max(100).regex(/^[^\0]*$/, 'must not contain a NUL byte');
const noNul = (max: number) => z.string().max(max).regex(/^[^\0]*$/, 'must not contain a NUL byte');
const absolutePath = noNul(1024).regex(/^\//, 'must be an absolute path');

export const idSchema = z.uuid();

export const environmentBody = z
  .object({
    name,
    host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or IP address'),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be a plain user name'),
    privateKeyPath: absolutePath.nullable().default(null),
    passphraseEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'must be an environment variable name').nullable().default(null),
    useAgent: z.boolean().default(false),
    hostKeyFingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be an OpenSSH SHA256 fingerprint as `ssh-keygen -lf` prints it')
      .nullable()
      .default(null),
    nodePath: absolutePath.nullable().default(null),
    shellInit: noNul(2000).nullable().default(null),
    production: z.boolean().default(false),
    maxConcurrency: z.number().int().min(1).max(100).default(1),
  })
  .strict()
  .refine((env) => env.privateKeyPath !== null || env.useAgent, {
    path: ['privateKeyPath'],
    message: 'set privateKeyPath or useAgent: true, or the worker has no way to log in',
  });

export const sourceBody = z
  .object({ name, system: name, description: noNul(2000).nullable().default(null) })
  .strict();

export const jobBody = z
  .object({
    name,
    sourceId: idSchema,
    scriptPath: absolutePath,
    interpreter: z.enum(['node', 'bash', 'python3', 'exec']),
    parameters: parameterListSchema.default([]),
    timeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600),
  })
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
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();

export const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
