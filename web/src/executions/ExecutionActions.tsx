import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Execution } from '@migrator/api-client';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';

import { api, unwrap } from '../api/client';

type Action = Execution['actions']['cancel'];

/** A server's "not now, because…" under a control it did not allow. */
function NotAllowed({ id, what, action }: { id: string; what: string; action: Action }) {
  if (action.allowed) return null;
  return (
    <p id={id} className="reason">
      {what} is not available: {action.reason}
    </p>
  );
}

/**
 * Cancel, Approve, Reject and Re-run as the server allows them: each answer carries whether the
 * caller may, and why not; the page shows it and decides nothing itself.
 */
export function ExecutionActions({ execution, production }: { execution: Execution; production: boolean }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const { actions } = execution;
  const id = execution.id;

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['execution', id] });
    void queryClient.invalidateQueries({ queryKey: ['executions'] });
  };
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } }, body: {} })),
    onSuccess: () => {
      dialog.current?.close();
      refresh();
    },
  });
  const decide = useMutation({
    mutationFn: (approve: boolean) => {
      const body = reason.trim() ? { reason: reason.trim() } : {};
      const path = { params: { path: { id } }, body };
      return unwrap(approve ? api.POST('/api/v1/executions/{id}/approve', path) : api.POST('/api/v1/executions/{id}/reject', path));
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(['execution', id], answer);
      setReason('');
      refresh();
    },
  });
  const rerun = () => {
    navigate(`/run?jobId=${execution.jobId}&environmentId=${execution.environmentId}&rerunOf=${execution.id}`);
  };
  const environment = `${execution.environmentName}${production ? ' (production)' : ''}`;
  const failure = cancel.error ?? decide.error;

  return (
    <section aria-labelledby="actions-title" className="actions">
      <h2 id="actions-title">Actions</h2>
      {(execution.status === 'awaiting_approval' || actions.approve.allowed || actions.reject.allowed) && (
        <div className="decision">
          <label htmlFor="decision-reason">Reason (optional for approval)</label>
          <textarea id="decision-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
          <button type="button" disabled={!actions.approve.allowed || decide.isPending} aria-describedby="approve-reason" onClick={() => decide.mutate(true)}>
            Approve
          </button>
          <button type="button" disabled={!actions.reject.allowed || decide.isPending} aria-describedby="reject-reason" onClick={() => decide.mutate(false)}>
            Reject
          </button>
          <NotAllowed id="approve-reason" what="Approve" action={actions.approve} />
          <NotAllowed id="reject-reason" what="Reject" action={actions.reject} />
        </div>
      )}
      <div>
        <button type="button" disabled={!actions.cancel.allowed} aria-describedby="cancel-reason" onClick={() => dialog.current?.showModal()}>
          Cancel execution…
        </button>
        <NotAllowed id="cancel-reason" what="Cancel" action={actions.cancel} />
      </div>
      <div>
        <button type="button" disabled={!actions.rerun.allowed} aria-describedby="rerun-reason" onClick={rerun}>
          Re-run…
        </button>
        <NotAllowed id="rerun-reason" what="Re-run" action={actions.rerun} />
      </div>
      {failure && <p role="alert">{failure.message}</p>}
      <dialog ref={dialog} aria-labelledby="cancel-title" aria-describedby="cancel-text">
        <h2 id="cancel-title">Cancel this execution?</h2>
        <p id="cancel-text">
          This stops {execution.jobName} on <strong className={production ? 'production' : undefined}>{environment}</strong>: the script is
          killed on the host.
        </p>
        {cancel.error && <p role="alert">{cancel.error.message}</p>}
        <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          Cancel it on {execution.environmentName}
        </button>
        <button type="button" onClick={() => dialog.current?.close()} autoFocus>
          Keep it running
        </button>
      </dialog>
    </section>
  );
}
