import { useInfiniteQuery } from '@tanstack/react-query';
import type { ExecutionListItem } from '@migrator/api-client';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { useMe } from '../auth/useMe';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { ExecutionFilters, type Filters, filtersOf } from '../executions/ExecutionFilters';
import { ProgressBar } from '../executions/ProgressBar';
import { StatusAnnouncer } from '../executions/StatusAnnouncer';
import { StatusBadge } from '../executions/StatusBadge';
import { when } from '../executions/words';

/** Rows a page of the history asks for; "Load more" reads the next on the API's cursor. */
export const pageSize = 25;

function Waiting({ e }: { e: ExecutionListItem }) {
  if (e.status === 'queued' && e.queuePosition !== null) {
    return <span className="note">{e.queuePosition === 0 ? 'next in line' : `${e.queuePosition} ahead in the queue`}</span>;
  }
  if (e.status === 'awaiting_approval') return <span className="note">awaits approval by an operator other than {e.startedBy}</span>;
  return null;
}

/** The history, newest first, filtered by the URL; statuses change live through the shell's feed. */
export function Executions() {
  const [params, setParams] = useSearchParams();
  const { selectedId, select } = useSelectedEnvironment();
  const me = useMe();
  const filters = filtersOf(params);
  const plainHome = params.toString() === '';

  // The URL says what the list shows: a link's environment becomes the header's; a bare home
  // page shows the header's environment, written into the URL.
  useEffect(() => {
    if (plainHome && selectedId) setParams({ environmentId: selectedId }, { replace: true });
    else if (!plainHome && (filters.environmentId ?? '') !== selectedId) select(filters.environmentId ?? '');
  }, [plainHome, selectedId, filters.environmentId, select, setParams]);

  const list = useInfiniteQuery({
    queryKey: ['executions', filters],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/executions', { params: { query: { ...filters, limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: !(plainHome && selectedId),
  });

  const apply = (next: Filters) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(next)) if (value) search.set(name, value);
    setParams(search);
  };

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.keys(filters).length > 0;
  const operator = me.data && me.data.role !== 'viewer';

  return (
    <section aria-labelledby="executions-title">
      <div className="page-title">
        <h1 id="executions-title">Executions</h1>
        {operator && (
          <Link className="button" to={selectedId ? `/run?environmentId=${selectedId}` : '/run'}>
            Run a job
          </Link>
        )}
      </div>
      <ExecutionFilters filters={filters} onApply={apply} />
      <StatusAnnouncer items={items} />
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.isSuccess && items.length === 0 && (
        <p className="empty">
          {filtered ? 'No executions match these filters. Clear them, pick “All environments” in the header, or widen the dates.' : 'No executions yet.'}{' '}
          {!filtered && (operator ? <Link to="/run">Run a job to start the first one.</Link> : 'An operator starts them; they appear here as they do.')}
        </p>
      )}
      {items.length > 0 && (
        <table className="executions">
          <caption className="visually-hidden">Executions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Source</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">Started by</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link to={`/executions/${e.id}`}>{e.jobName}</Link>
                </td>
                <td>{e.sourceName}</td>
                <td>{e.environmentName}</td>
                <td>
                  <StatusBadge status={e.status} /> {e.status === 'running' && <ProgressBar progress={e.progress} label={`Progress of ${e.jobName}`} />}
                  <Waiting e={e} />
                </td>
                <td>{e.startedBy}</td>
                <td>{when(e.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading more…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
