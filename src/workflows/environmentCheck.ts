import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { EnvironmentCheckInput, EnvironmentCheckResult } from '../model/environmentCheck';

/**
 * An admin's connectivity check of an environment, on a worker: only workers hold the SSH keys
 * and reach hosts. One attempt, as an admin's check always was: a failure is the answer, and
 * the admin runs it again. Started by the API, which waits for the result until `answerBy`.
 */
export async function environmentCheck(input: EnvironmentCheckInput): Promise<EnvironmentCheckResult> {
  const { checkEnvironment } = proxyActivities<Activities>({
    // Nobody waits for an answer after answerBy; the workflow's own timeout ends it then too.
    scheduleToCloseTimeout: Math.max(1000, input.answerBy - Date.now()),
    retry: { maximumAttempts: 1 },
  });
  return checkEnvironment(input);
}
