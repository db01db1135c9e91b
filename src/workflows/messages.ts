import { defineQuery, defineSignal } from '@temporalio/workflow';

import type { Progress, RunProgress } from './types';

/**
 * The messages of `migrationExecution`: what activities, the API and tests send it or ask it.
 * Definitions only, so that importing them never loads a workflow body outside the sandbox.
 */

/** Phase, status, queue position and counts; never log text. */
export const progressQuery = defineQuery<Progress>('progress');

/** Sent by `finalizeExecution`, `expireApproval` and the reconciler when a slot on the environment may be free for a queued execution. */
export const slotFreedSignal = defineSignal('slotFreed');

/** Sent by `runScript` every few seconds while the output grows: counts only, never log text. */
export const runProgressSignal = defineSignal<[RunProgress]>('runProgress');

/**
 * Sent by the API once it recorded an approval or a rejection in PostgreSQL. It carries
 * nothing: the workflow reads the decision from the execution's row, so a message sent straight
 * to Temporal cannot approve anything.
 */
export const approvalDecidedSignal = defineSignal('approvalDecided');
