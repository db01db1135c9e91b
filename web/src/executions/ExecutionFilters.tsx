import { useQuery } from '@tanstack/react-query';
import { type FormEvent } from 'react';

import { api, unwrap } from '../api/client';
import { statuses, statusWords } from './words';

/** The history's filters as the URL keeps them (environmentId comes from the header). */
export const filterNames = ['status', 'jobId', 'sourceId', 'environmentId', 'startedBy', 'from', 'to'] as const;
export type Filters = Partial<Record<(typeof filterNames)[number], string>>;

export function filtersOf(params: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of filterNames) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** `datetime-local` shows local time without a zone; the URL keeps the instant. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function toInstant(local: FormDataEntryValue | null): string | undefined {
  if (typeof local !== 'string' || !local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

export function useCatalogNames() {
  const jobs = useQuery({ queryKey: ['jobs', 'list'], queryFn: async () => (await unwrap(api.GET('/api/v1/jobs', { params: { query: {} } }))).items });
  const sources = useQuery({ queryKey: ['sources', 'list'], queryFn: async () => (await unwrap(api.GET('/api/v1/sources', { params: { query: {} } }))).items });
  return { jobs: jobs.data ?? [], sources: sources.data ?? [] };
}

function NamedSelect({ label, name, any, items, value }: { label: string; name: string; any: string; items: { id: string; name: string }[]; value?: string }) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ''}>
        <option value="">{any}</option>
        {items.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ExecutionFilters({ filters, onApply }: { filters: Filters; onApply(next: Filters): void }) {
  const { jobs, sources } = useCatalogNames();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' && v.trim() ? v.trim() : undefined;
    };
    onApply({
      environmentId: filters.environmentId,
      status: text('status'),
      jobId: text('jobId'),
      sourceId: text('sourceId'),
      startedBy: text('startedBy'),
      from: toInstant(form.get('from')),
      to: toInstant(form.get('to')),
    });
  };
  // Keyed by the URL's filters, so going back or forward shows the filters the list shows.
  return (
    <form className="filters" aria-label="Filters" onSubmit={submit} key={JSON.stringify(filters)}>
      <label>
        Status
        <select name="status" defaultValue={filters.status ?? ''}>
          <option value="">Any status</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {statusWords(s)}
            </option>
          ))}
        </select>
      </label>
      <NamedSelect label="Job" name="jobId" any="Any job" items={jobs} value={filters.jobId} />
      <NamedSelect label="Source" name="sourceId" any="Any source" items={sources} value={filters.sourceId} />
      <label>
        Started by
        <input name="startedBy" type="text" defaultValue={filters.startedBy ?? ''} placeholder="login" />
      </label>
      <label>
        From
        <input name="from" type="datetime-local" defaultValue={toLocalInput(filters.from)} />
      </label>
      <label>
        To
        <input name="to" type="datetime-local" defaultValue={toLocalInput(filters.to)} />
      </label>
      <button type="submit">Apply filters</button>
      <button type="button" onClick={() => onApply({ environmentId: filters.environmentId })}>
        Clear filters
      </button>
    </form>
  );
}
