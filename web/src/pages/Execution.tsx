import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { LogViewer } from '../logs/LogViewer';

/** One execution: what ran where, its state, and its log. */
export function Execution() {
  const { id = '' } = useParams();
  const execution = useQuery({ queryKey: ['execution', id], queryFn: () => unwrap(api.GET('/api/v1/executions/{id}', { params: { path: { id } } })) });
  if (execution.isPending) return <p>Loading…</p>;
  if (execution.isError) return <p role="alert">{execution.error.message}</p>;
  const e = execution.data;
  return (
    <article aria-labelledby="execution-title">
      <h1 id="execution-title">
        {e.jobName} on {e.environmentName}
      </h1>
      <p>Status: {e.status}</p>
      <LogViewer executionId={e.id} />
    </article>
  );
}
