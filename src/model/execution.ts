/**
 * The vocabulary of an execution, stated once: its statuses, which of them are final or hold
 * the job's one active place, the interpreters a job may use, the output streams, and how a
 * `::progress` mark becomes a percentage. A leaf: it imports nothing, so the database layer,
 * the SSH layer, the workflow sandbox, the API, the scripts and the bench can all use it. The
 * SQL checks of db/migrations are tested against these lists (test/model.test.ts).
 */

export const executionStatuses = ['queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** An execution in one of these still holds its job's one active place on the environment. */
export const activeStatuses = ['queued', 'awaiting_approval', 'running'] as const satisfies readonly ExecutionStatus[];
export type ActiveStatus = (typeof activeStatuses)[number];

/** Nothing changes an execution in one of these any more. */
export const finalStatuses = ['succeeded', 'failed', 'cancelled', 'rejected'] as const satisfies readonly ExecutionStatus[];
export type FinalStatus = (typeof finalStatuses)[number];

export function isFinalStatus(status: string): status is FinalStatus {
  return (finalStatuses as readonly string[]).includes(status);
}

/** How a job's script is run on the host: `exec` runs the script itself, which must be executable. */
export const interpreters = ['node', 'bash', 'python3', 'exec'] as const;
export type Interpreter = (typeof interpreters)[number];

export const outputStreams = ['stdout', 'stderr'] as const;
export type OutputStream = (typeof outputStreams)[number];

/** The latest `::progress <done>/<total>` a script printed. */
export interface ProgressMark {
  done: number;
  total: number;
}

/** The percentage of a progress mark, rounded down to a tenth (100.0 only when done); null without a total. */
export function progressPercent(done: number | null, total: number | null): number | null {
  if (done === null || !total) return null;
  return Math.floor((done / total) * 1000) / 10;
}

/** The words that run a script of this interpreter on the host, before the script's path. */
export function interpreterWords(interpreter: Interpreter, nodePath: string | null): string[] {
  switch (interpreter) {
    case 'node':
      return [nodePath ?? 'node'];
    case 'bash':
      return ['bash'];
    case 'python3':
      return ['python3'];
    case 'exec':
      return [];
  }
}
