import type { Execution, ExecutionView } from '../db/executions';
import { actionsFor } from '../executions/actions';
import { progressPercent } from '../model/execution';
import type { Principal } from './auth';

export interface ViewContext {
  temporalUiUrl: string;
  namespace: string;
}

export function linksOf(ctx: ViewContext, e: Pick<Execution, 'id' | 'workflowId'>) {
  return {
    self: `/api/v1/executions/${e.id}`,
    logs: `/api/v1/executions/${e.id}/logs`,
    logStream: `/api/v1/executions/${e.id}/logs/stream`,
    logText: `/api/v1/executions/${e.id}/logs.txt`,
    temporalUi: `${ctx.temporalUiUrl}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(e.workflowId)}`,
  };
}

/**
 * An execution as the API answers it: the fields named here and no others, so the snapshots
 * (key paths and shellInit, which only admins read on the environment itself) and internal
 * marks stay out whatever the row holds. One object literal, in the order answers always had:
 * a page builds fifty of these, and copying a row with rest and spread costs far more.
 */
export function executionView(ctx: ViewContext, e: ExecutionView, caller: Pick<Principal, 'name' | 'role'>) {
  return {
    id: e.id,
    jobId: e.jobId,
    environmentId: e.environmentId,
    params: e.params,
    confirmProduction: e.confirmProduction,
    status: e.status,
    exitCode: e.exitCode,
    errorCode: e.errorCode,
    errorMessage: e.errorMessage,
    startedBy: e.startedBy,
    approvedBy: e.approvedBy,
    approvedAt: e.approvedAt,
    rejectedBy: e.rejectedBy,
    cancelledBy: e.cancelledBy,
    rerunOf: e.rerunOf,
    workflowId: e.workflowId,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    lineCount: e.lineCount,
    logsPurgedAt: e.logsPurgedAt,
    approvalDeadline: e.approvalDeadline,
    approvalNote: e.approvalNote,
    scheduleId: e.scheduleId,
    scheduleVersion: e.scheduleVersion,
    jobName: e.jobName,
    sourceName: e.sourceName,
    environmentName: e.environmentName,
    queuePosition: e.queuePosition,
    rejectedAt: e.status === 'rejected' ? e.finishedAt : null,
    cancelledAt: e.status === 'cancelled' ? e.finishedAt : null,
    links: linksOf(ctx, e),
    actions: actionsFor(e, caller),
    progress: { lines: e.lineCount, done: e.progressDone, total: e.progressTotal, percent: progressPercent(e.progressDone, e.progressTotal) },
  };
}

/** What `POST /executions` and rerun answer: enough to follow the execution. */
export function acceptedView(ctx: ViewContext, e: Execution) {
  return { id: e.id, status: e.status, workflowId: e.workflowId, links: linksOf(ctx, e) };
}
