import { isFinalStatus } from '../model/execution';
import { hasRole, type Role } from '../model/roles';
import { isSecondPerson } from './rules';

export interface ActionAnswer {
  allowed: boolean;
  /** Why not, in words for the person asking. */
  reason?: string;
}

export interface ExecutionActions {
  approve: ActionAnswer;
  reject: ActionAnswer;
  cancel: ActionAnswer;
  rerun: ActionAnswer;
}

const allowed: ActionAnswer = { allowed: true };

/**
 * What the caller may do with an execution now, and why not: the console shows these instead of
 * re-implementing four eyes or the state rules. The routes enforce the same rules on their own.
 */
export function actionsFor(execution: { status: string; startedBy: string }, caller: { name: string; role: Role }): ExecutionActions {
  const notOperator: ActionAnswer = { allowed: false, reason: 'it needs the operator role' };
  const operator = hasRole(caller.role, 'operator');
  const awaiting = execution.status === 'awaiting_approval';
  const notAwaiting: ActionAnswer = { allowed: false, reason: `it is ${execution.status.replace('_', ' ')}, not awaiting approval` };
  const decide = (): ActionAnswer => (!operator ? notOperator : awaiting ? allowed : notAwaiting);
  const approve = (): ActionAnswer => {
    const answer = decide();
    if (!answer.allowed) return answer;
    return isSecondPerson(execution.startedBy, caller.name) ? allowed : { allowed: false, reason: 'you started it; another person must approve it' };
  };
  const ended = isFinalStatus(execution.status);
  return {
    approve: approve(),
    reject: decide(),
    cancel: !operator ? notOperator : ended ? { allowed: false, reason: `it already ended ${execution.status}` } : allowed,
    rerun: !operator ? notOperator : ended ? allowed : { allowed: false, reason: `it is still ${execution.status.replace('_', ' ')}; the job runs once at a time on an environment` },
  };
}
