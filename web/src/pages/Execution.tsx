import { useQuery } from '@tanstack/react-query';
import type { Execution as ExecutionAnswer } from '@migrator/api-client';
import { Link, useParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { useMe } from '../auth/useMe';
import { useEnvironments } from '../environment/SelectedEnvironment';
import { ExecutionActions } from '../executions/ExecutionActions';
import { ProgressBar } from '../executions/ProgressBar';
import { StatusBadge } from '../executions/StatusBadge';
import { errorCodeWords, when } from '../executions/words';
import { LogViewer } from '../logs/LogViewer';

function duration(from: string | null, to: string | null): string | null {
  if (!from || !to) return null;
  const seconds = Math.round((Date.parse(to) - Date.parse(from)) / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function People({ e }: { e: ExecutionAnswer }) {
  return (
    <>
      <dt>Started by</dt>
      <dd>{e.startedBy}</dd>
      {e.approvedBy && (
        <>
          <dt>Approved by</dt>
          <dd>
            {e.approvedBy} at {when(e.approvedAt)}
            {e.approvalNote ? ` — “${e.approvalNote}”` : ''}
          </dd>
        </>
      )}
      {e.rejectedBy && (
        <>
          <dt>Rejected by</dt>
          <dd>
            {e.rejectedBy} at {when(e.rejectedAt)}
          </dd>
        </>
      )}
      {e.cancelledBy && (
        <>
          <dt>Cancelled by</dt>
          <dd>
            {e.cancelledBy}
            {e.cancelledAt ? ` at ${when(e.cancelledAt)}` : ' (stopping…)'}
          </dd>
        </>
      )}
      {e.status === 'awaiting_approval' && (
        <>
          <dt>Approval</dt>
          <dd>
            awaits an operator other than {e.startedBy}
            {e.approvalDeadline ? `, until ${when(e.approvalDeadline)}` : ''}
          </dd>
        </>
      )}
    </>
  );
}

/** One execution: what ran where, who decided what, its state (live), and its log. */
export function Execution() {
  const { id = '' } = useParams();
  const me = useMe();
  const environments = useEnvironments();
  const execution = useQuery({ queryKey: ['execution', id], queryFn: () => unwrap(api.GET('/api/v1/executions/{id}', { params: { path: { id } } })) });
  if (execution.isPending) return <p>Loading…</p>;
  if (execution.isError) return <p role="alert">{execution.error.message}</p>;
  const e = execution.data;
  const production = environments.data?.find((env) => env.id === e.environmentId)?.production ?? false;
  const params = Object.entries(e.params as Record<string, unknown>);
  const took = duration(e.startedAt, e.finishedAt);

  return (
    <article aria-labelledby="execution-title" className="execution">
      <h1 id="execution-title">
        {e.jobName} on {e.environmentName}
      </h1>
      <p className="execution-status">
        Status:{' '}
        <span role="status" aria-live="polite" aria-label="Execution status">
          <StatusBadge status={e.status} />
        </span>{' '}
        {e.status === 'queued' && e.queuePosition !== null && (
          <span className="note">{e.queuePosition === 0 ? 'next in line on this environment' : `${e.queuePosition} ahead in the queue on this environment`}</span>
        )}
      </p>
      <ProgressBar progress={e.progress} label="Progress" />
      {e.errorCode && (
        <div className="failure">
          <p>
            <strong>{errorCodeWords(e.errorCode)}</strong> ({e.errorCode})
          </p>
          {e.errorMessage && <p>{e.errorMessage}</p>}
        </div>
      )}
      <dl className="facts">
        <dt>Job</dt>
        <dd>
          {e.jobName} (source {e.sourceName})
        </dd>
        <dt>Environment</dt>
        <dd>
          {e.environmentName} {production && <strong className="production">production</strong>}
        </dd>
        <People e={e} />
        <dt>Created</dt>
        <dd>{when(e.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{when(e.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>
          {when(e.finishedAt)}
          {took ? ` (ran ${took})` : ''}
        </dd>
        <dt>Exit code</dt>
        <dd>{e.exitCode ?? '—'}</dd>
        <dt>Lines</dt>
        <dd>{e.progress.lines}</dd>
        {e.rerunOf && (
          <>
            <dt>Re-run of</dt>
            <dd>
              <Link to={`/executions/${e.rerunOf}`}>the earlier execution</Link>
            </dd>
          </>
        )}
        <dt>Temporal</dt>
        <dd>
          <a href={e.links.temporalUi} target="_blank" rel="noreferrer">
            Open in the Temporal UI
          </a>
        </dd>
      </dl>
      <section aria-labelledby="params-title">
        <h2 id="params-title">Parameters</h2>
        {params.length === 0 ? (
          <p>This job takes no parameters.</p>
        ) : (
          <dl className="params">
            {params.map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>
                  <code>{JSON.stringify(value)}</code>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      {me.data && me.data.role !== 'viewer' && <ExecutionActions execution={e} production={production} />}
      <LogViewer executionId={e.id} />
    </article>
  );
}
