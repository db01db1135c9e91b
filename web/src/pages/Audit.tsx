import type { paths } from '@migrator/api-client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { AdminOnly } from '../catalog/AdminOnly';
import { ListTable } from '../catalog/ListTable';
import { SelectField, TextField } from '../catalog/fields';

type AuditQuery = NonNullable<paths['/api/v1/audit']['get']['parameters']['query']>;
type EntityType = NonNullable<AuditQuery['entityType']>;
const entityTypes: readonly EntityType[] = ['environment', 'source', 'job', 'token'];
const pageSize = 50;

/** The audit log: every change to environments, sources, jobs and tokens, newest first. */
export function Audit() {
  return (
    <AdminOnly title="Audit">
      <AuditLog />
    </AdminOnly>
  );
}

function AuditLog() {
  // The filters live in the URL, so a filtered view can be shared.
  const [params, setParams] = useSearchParams();
  const filters = {
    entityType: (entityTypes as readonly string[]).includes(params.get('entityType') ?? '') ? (params.get('entityType') as EntityType) : undefined,
    entityId: params.get('entityId') || undefined,
    actor: params.get('actor') || undefined,
  };
  const log = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => unwrap(api.GET('/api/v1/audit', { params: { query: { ...filters, limit: pageSize, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(filters.entityType || filters.entityId || filters.actor);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <p className="intro">Who changed which environment, source, job or token, and how: newest first.</p>
      <AuditFilters key={params.toString()} initial={filters} onApply={(next) => setParams(Object.fromEntries(Object.entries(next).filter(([, v]) => v)))} />
      <p role="status" aria-live="polite" className="announcement">
        {log.isSuccess && `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} shown${log.hasNextPage ? '; more can be loaded' : ''}.`}
      </p>
      {log.isPending && <p>Loading…</p>}
      {log.isError && <p role="alert">{log.error.message}</p>}
      {log.isSuccess && entries.length === 0 && (
        <p className="empty">{filtered ? 'Nothing matches these filters. Clear them to see every change.' : 'No changes yet. Creating an environment, a source, a job or a token records one here.'}</p>
      )}
      {entries.length > 0 && (
        <ListTable caption="Audit log, newest first" headers={['When', 'Who', 'Action', 'What', 'Change']}>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>
                  {e.entityType} {nameIn(e.after) ?? nameIn(e.before) ?? ''}{' '}
                  <Link to={`?entityType=${e.entityType}&entityId=${e.entityId}`} aria-label={`History of ${e.entityType} ${e.entityId}`}>
                    <code>{e.entityId}</code>
                  </Link>
                </td>
                <td>
                  <details>
                    <summary>Before and after</summary>
                    <pre>{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
        </ListTable>
      )}
      {log.hasNextPage && (
        <button type="button" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          {log.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

/** The entry's name as the change recorded it, when it did. */
function nameIn(state: unknown): string | undefined {
  return state && typeof state === 'object' && 'name' in state && typeof state.name === 'string' ? state.name : undefined;
}

type Filters = { entityType?: EntityType; entityId?: string; actor?: string };

function AuditFilters({ initial, onApply }: { initial: Filters; onApply: (filters: Filters) => void }) {
  const [entityType, setEntityType] = useState<EntityType | ''>(initial.entityType ?? '');
  const [entityId, setEntityId] = useState(initial.entityId ?? '');
  const [actor, setActor] = useState(initial.actor ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ entityType: entityType || undefined, entityId: entityId.trim() || undefined, actor: actor.trim() || undefined });
  };
  return (
    <form className="filters" aria-label="Audit filters" onSubmit={submit}>
      <SelectField
        label="Kind"
        path="entityType"
        value={entityType}
        options={[{ value: '', label: 'Any kind' }, ...entityTypes.map((t) => ({ value: t, label: t }))]}
        onChange={setEntityType}
      />
      <TextField label="Entry id" path="entityId" value={entityId} onChange={setEntityId} />
      <TextField label="Who" path="actor" value={actor} onChange={setActor} />
      <button type="submit">Apply filters</button>
      <button type="button" onClick={() => onApply({})}>
        Clear filters
      </button>
    </form>
  );
}
