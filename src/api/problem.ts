import type { ErrorRequestHandler, RequestHandler } from 'express';
import { type z } from 'zod';

import { MigratorError, coerceError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

export interface FieldError {
  path: string;
  message: string;
}

/** An error the API answers with a status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export function validationError(errors: FieldError[]): HttpError {
  const detail = errors.map((e) => `${e.path || 'body'}: ${e.message}`).join('; ');
  return new HttpError(400, 'VALIDATION_FAILED', 'The request is not valid', detail, errors);
}

export function notFound(what: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', 'Not found', `${what} does not exist.`);
}

function pathOf(path: PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Parses with a zod schema; on failure answers 400 naming every bad field, with `prefix` before it. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: string[] = []): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues.map((i) => ({ path: pathOf([...prefix, ...i.path]), message: i.message })));
}

/**
 * Parses a query string: like `parseOrThrow`, but an unknown parameter is named in the error's
 * path, with the parameters the route takes, rather than reported against the body.
 */
export function parseQueryOrThrow<T extends z.ZodObject>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const accepted = Object.keys(schema.shape).join(', ');
  throw validationError(
    parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => ({ path: key, message: `is not a query parameter of this route; it takes ${accepted || 'none'}` }))
        : [{ path: pathOf(i.path), message: i.message }],
    ),
  );
}

const statusOfCode: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  PRODUCTION_CONFIRMATION_REQUIRED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_RUNNING: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
};

const titleOfCode: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is not valid',
  PRODUCTION_CONFIRMATION_REQUIRED: 'Production confirmation required',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  ALREADY_RUNNING: 'Already running',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  UNAVAILABLE: 'Temporarily unavailable',
};

/** A dependency the API cannot do without is down or too slow: worth a retry, not a 500. */
function isUnavailable(e: { code?: string; message?: string }): boolean {
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(e.code ?? '') ||
    /timeout exceeded when trying to connect|Connection terminated/.test(e.message ?? '')
  );
}

function problemOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof MigratorError) {
    const errors = Array.isArray(err.details.errors) ? (err.details.errors as FieldError[]) : undefined;
    return new HttpError(statusOfCode[err.code] ?? 500, err.code, titleOfCode[err.code] ?? err.code, err.message, errors);
  }
  const e = err as { type?: string; status?: number; code?: string; constraint?: string };
  // body-parser's errors: malformed JSON, too large, wrong charset.
  if (e.type === 'entity.parse.failed') return validationError([{ path: '', message: 'the body is not valid JSON' }]);
  if (e.type === 'entity.too.large') {
    return new HttpError(413, 'VALIDATION_FAILED', 'The body is too large', 'The request body is larger than the API accepts.');
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return validationError([{ path: '', message: coerceError(err).message }]);
  }
  if (isUnavailable(e as { code?: string; message?: string })) {
    return new HttpError(503, 'UNAVAILABLE', 'Temporarily unavailable', 'The database did not answer in time; nothing was changed. Try again shortly.');
  }
  if (e.code === '23505') {
    return new HttpError(409, 'CONFLICT', 'Conflict', `That would duplicate an existing record (${e.constraint ?? 'unique constraint'}); choose another name.`);
  }
  return new HttpError(500, 'INTERNAL', 'Internal error', 'The server failed to answer; the error is in its log.');
}

/** The one place errors become HTTP answers: `application/problem+json` with the design's code. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const problem = problemOf(err);
    if (problem.status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: `https://migrator.dev/problems/${problem.code.toLowerCase().replace(/_/g, '-')}`,
        status: problem.status,
        title: problem.title,
        detail: problem.detail,
        code: problem.code,
        ...(problem.errors ? { errors: problem.errors } : {}),
      });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'NOT_FOUND', 'Not found', `No route for ${req.method} ${req.path}.`));
};
