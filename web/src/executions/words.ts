import type { Execution } from '@migrator/api-client';

export type ExecutionStatus = Execution['status'];

export const statuses: ExecutionStatus[] = ['queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'];

export function statusWords(status: string): string {
  return status.replace('_', ' ');
}

/** What each stable error code means, for a person; the server's message follows it as is. */
const errorWords: Record<string, string> = {
  VALIDATION_FAILED: 'The values given were refused.',
  NOT_FOUND: 'Something it needs no longer exists.',
  ALREADY_RUNNING: 'The job was already running on this environment.',
  PRODUCTION_CONFIRMATION_REQUIRED: 'The production environment’s name was not typed to confirm.',
  APPROVAL_REJECTED: 'A second operator rejected it.',
  APPROVAL_TIMEOUT: 'Nobody approved it in time.',
  SSH_UNREACHABLE: 'The host could not be reached over SSH.',
  SSH_AUTH_FAILED: 'The host refused the SSH login.',
  HOST_KEY_MISMATCH: 'The host’s key is not the one pinned for this environment: it may not be the right host.',
  SCRIPT_NOT_FOUND: 'The script was not found on the host.',
  INTERPRETER_NOT_FOUND: 'The interpreter (node, bash, python3) was not found on the host.',
  SCRIPT_FAILED: 'The script ended with a non-zero exit code.',
  TIMED_OUT: 'It ran longer than the job’s time limit and was stopped.',
  CANCELLED: 'An operator cancelled it.',
  LOST: 'Migrator lost track of the run on the host.',
  UNAUTHENTICATED: 'The request was not signed in.',
  FORBIDDEN: 'The request was not allowed.',
};

export function errorCodeWords(code: string): string {
  return errorWords[code] ?? 'It failed.';
}

export function when(at: string | null | undefined): string {
  return at ? new Date(at).toLocaleString() : '—';
}
