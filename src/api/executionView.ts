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
 * An execution as the API answers it. The snapshots stay out (they hold key paths and
 * shellInit, which only admins read on the environment itself), and so do internal marks.
 */
export function executionView(ctx: ViewContext, execution: ExecutionView, caller: Pick<Principal, 'name' | 'role'>) {
  const {
    progressDone,
    progressTotal,
    jobSnapshot: _job,
    targetSnapshot: _target,
    workflowStartedAt: _started,
    ...e
  } = execution;
  return {
    ...e,
    rejectedAt: e.status === 'rejected' ? e.finishedAt : null,
    cancelledAt: e.status === 'cancelled' ? e.finishedAt : null,
    links: linksOf(ctx, e),
    actions: actionsFor(e, caller),
    progress: { lines: e.lineCount, done: progressDone, total: progressTotal, percent: progressPercent(progressDone, progressTotal) },
  };
}

/** What `POST /executions` and rerun answer: enough to follow the execution. */
export function acceptedView(ctx: ViewContext, e: Execution) {
  return { id: e.id, status: e.status, workflowId: e.workflowId, links: linksOf(ctx, e) };
}
