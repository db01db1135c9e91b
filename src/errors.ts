/**
 * The stable error codes of the design: the API's problem `code` and the Temporal failure
 * `type`. This module imports nothing so the workflow sandbox can use it too.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'ALREADY_RUNNING',
  'PRODUCTION_CONFIRMATION_REQUIRED',
  'APPROVAL_REJECTED',
  'APPROVAL_TIMEOUT',
  'SSH_UNREACHABLE',
  'SSH_AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'SCRIPT_NOT_FOUND',
  'INTERPRETER_NOT_FOUND',
  'SCRIPT_FAILED',
  'TIMED_OUT',
  'CANCELLED',
  'LOST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Codes an activity may retry; every other failure is final on the first attempt. */
export const retryableCodes: readonly ErrorCode[] = ['SSH_UNREACHABLE', 'UNAVAILABLE'];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/** A failure that carries one of the design's codes and a sentence for the operator. */
export class MigratorError extends Error {
  override readonly name = 'MigratorError';

  /** Worth another attempt although the code usually is not (see `retryableCodes`). */
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** Turns anything thrown into an Error, so every catch handles one shape. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : `Non-error thrown: ${JSON.stringify(err)}`);
}
