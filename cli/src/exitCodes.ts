/**
 * What `migrator` exits with. When a script ran to its end, its own code (0–255) passes through;
 * everything else has a code of this reserved set. A script may exit with the same numbers:
 * `migrator show <id> --json` (status, exitCode, errorCode) is the authority.
 */
export const exitCodes = {
  ok: 0,
  /** Bad arguments or options, parameters the server refused, production without `--confirm`. */
  usage: 2,
  /** The API could not be reached, or the live log was lost. */
  network: 118,
  /** The API refused the request (token, role, unknown id, a conflict) or the config is unusable. */
  refused: 119,
  /** The execution failed without a script exit code: SSH, script or interpreter missing, lost. */
  failed: 120,
  rejected: 121,
  approvalTimeout: 122,
  cancelled: 123,
  timedOut: 124,
  /** Ctrl-C stopped following; the execution goes on. */
  interrupted: 130,
} as const;
