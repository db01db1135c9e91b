import { MigratorError } from '../../errors';
import { answerFunction, integerField, type Answer } from './answer';

/** Where every run directory of a host lives (expanded by the remote shell; quote it). */
export const runsRoot = '$HOME/.migrator/runs';

/** The run directory of an execution, as a double-quoted shell word the remote shell expands. */
export function runDirExpr(executionId: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(executionId)) {
    throw new MigratorError('VALIDATION_FAILED', `Execution id ${JSON.stringify(executionId)} is not a safe directory name.`);
  }
  return `"${runsRoot}/${executionId}"`;
}

export interface RunState {
  /** `mkdir started` happened: the script must never be started again. */
  started: boolean;
  pid: number | null;
  /** The wrapper still holds its lock: the job is running. */
  alive: boolean;
  exitCode: number | null;
}

/** Lines that answer what `$run` holds: whether it was started, its pid, whether its lock is held, its exit status. */
export const runStateLines: readonly string[] = [
  `[ -d "$run/started" ] && ${answerFunction} started 1`,
  `[ -s "$run/pid" ] && ${answerFunction} pid "$(cat "$run/pid")"`,
  `[ -e "$run/lock" ] && { flock -s -n "$run/lock" true && ${answerFunction} alive 0 || ${answerFunction} alive 1; }`,
  `[ -s "$run/exit" ] && ${answerFunction} exit "$(cat "$run/exit")"`,
];

export function runStateOf(answer: Answer): RunState {
  return {
    started: answer.get('started') === '1',
    pid: integerField(answer, 'pid'),
    alive: answer.get('alive') === '1',
    exitCode: integerField(answer, 'exit'),
  };
}
