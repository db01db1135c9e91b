import { MigratorApiError } from '@migrator/api-client';

import { exitCodes } from './exitCodes';

/** A failure the CLI reports as one line, `error: <detail> (<code>)`, and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function usageError(message: string, code = 'USAGE'): CliError {
  return new CliError(message, code, exitCodes.usage);
}

export function configError(message: string): CliError {
  return new CliError(message, 'CONFIG', exitCodes.refused);
}

/** fetch failed before any answer: which URL, and the system's reason (ECONNREFUSED, ENOTFOUND…). */
export class NetworkError extends CliError {
  constructor(url: string, cause: unknown) {
    super(`could not reach ${url}: ${networkReason(cause)}`, 'NETWORK', exitCodes.network, { cause });
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The API's refusals that mean "the arguments were wrong", so exit as a usage error. */
const usageCodes = new Set(['VALIDATION_FAILED', 'PRODUCTION_CONFIRMATION_REQUIRED']);

/** The one line and exit code for anything thrown while running a command. */
export function describeFailure(err: unknown): { line: string; exitCode: number } {
  if (err instanceof CliError) return { line: `error: ${err.message} (${err.code})`, exitCode: err.exitCode };
  if (err instanceof MigratorApiError) {
    const problem = err.problem;
    if (!problem) return { line: `error: ${err.request} answered HTTP ${err.status} (HTTP_${err.status})`, exitCode: exitCodes.refused };
    const fields = (problem.errors ?? []).map((e) => `${e.path || '(body)'}: ${e.message}`);
    const detail = fields.length ? `${problem.detail}: ${fields.join('; ')}` : problem.detail;
    return { line: `error: ${detail} (${problem.code})`, exitCode: usageCodes.has(problem.code) ? exitCodes.usage : exitCodes.refused };
  }
  const cause = err instanceof Error && err.cause instanceof CliError ? err.cause : undefined;
  if (cause) return { line: `error: ${err instanceof Error ? err.message : String(err)} (${cause.code})`, exitCode: cause.exitCode };
  return { line: `error: ${err instanceof Error ? err.message : String(err)} (INTERNAL)`, exitCode: exitCodes.refused };
}
