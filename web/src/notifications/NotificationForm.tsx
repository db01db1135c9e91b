import { useId, useState } from 'react';

import { CatalogForm } from '../catalog/CatalogForm';
import { CheckboxField, SelectField, TextField, useFieldError } from '../catalog/fields';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { type NotificationBody, type NotificationEvent, type NotificationTarget, notificationApi, notificationEvents } from './notificationApi';

interface Props {
  editing: NotificationTarget | null;
  onSaved: (target: NotificationTarget) => void;
  onCancel: () => void;
}

/** Create or change a webhook target. Editing leaves the URL as it is unless a new one is typed (the page only knows it masked). */
export function NotificationForm({ editing, onSaved, onCancel }: Props) {
  const { jobs } = useCatalogNames();
  const { environments } = useSelectedEnvironment();
  const [name, setName] = useState(editing?.name ?? '');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<NotificationEvent>>(new Set(editing?.events ?? ['execution.awaiting_approval', 'execution.failed']));
  const [environmentIds, setEnvironmentIds] = useState<Set<string>>(new Set(editing?.environmentIds ?? []));
  const [jobIds, setJobIds] = useState<Set<string>>(new Set(editing?.jobIds ?? []));
  const [onlyProduction, setOnlyProduction] = useState(editing?.onlyProduction ?? false);
  const [format, setFormat] = useState<NotificationTarget['format']>(editing?.format ?? 'json');
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);

  const save = () => {
    const body: Omit<NotificationBody, 'url'> & { url?: string } = {
      name,
      events: notificationEvents.map((e) => e.value).filter((e) => events.has(e)),
      environmentIds: environmentIds.size > 0 ? [...environmentIds] : null,
      jobIds: jobIds.size > 0 ? [...jobIds] : null,
      onlyProduction,
      format,
      enabled,
      ...(url.trim() !== '' || !editing ? { url } : {}),
    };
    return editing ? notificationApi.patch(editing.id, body) : notificationApi.create({ ...body, url });
  };

  return (
    <CatalogForm noun="notification target" editing={editing} save={save} onSaved={onSaved} onCancel={onCancel}>
      <TextField label="Name" path="name" value={name} onChange={setName} required hint="Who it reaches, e.g. ops-slack." />
      <TextField
        label={editing ? 'New URL' : 'URL'}
        path="url"
        value={url}
        onChange={setUrl}
        required={!editing}
        hint={editing ? `Now ${editing.url}…; leave empty to keep it.` : 'http(s) address events are POSTed to; it is stored encrypted and shown masked afterwards.'}
      />
      <Checklist legend="Events" path="events" items={notificationEvents} selected={events} onChange={setEvents} />
      <Checklist
        legend="Only these environments (none ticked: every environment)"
        path="environmentIds"
        items={environments.map((e) => ({ value: e.id, label: `${e.name}${e.production ? ' (production)' : ''}` }))}
        selected={environmentIds}
        onChange={setEnvironmentIds}
      />
      <Checklist legend="Only these jobs (none ticked: every job)" path="jobIds" items={jobs.map((j) => ({ value: j.id, label: j.name }))} selected={jobIds} onChange={setJobIds} />
      <CheckboxField label="Only production environments" path="onlyProduction" checked={onlyProduction} onChange={setOnlyProduction} />
      <SelectField
        label="Format"
        path="format"
        value={format}
        options={[
          { value: 'json', label: 'Generic JSON' },
          { value: 'slack', label: 'Slack-compatible (text and blocks)' },
        ]}
        onChange={setFormat}
      />
      <CheckboxField label="Enabled" path="enabled" checked={enabled} onChange={setEnabled} />
    </CatalogForm>
  );
}

function Checklist<V extends string>({ legend, path, items, selected, onChange }: { legend: string; path: string; items: readonly { value: V; label: string }[]; selected: Set<V>; onChange: (next: Set<V>) => void }) {
  const id = useId();
  const error = useFieldError(path);
  const toggle = (value: V, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(value);
    else next.delete(value);
    onChange(next);
  };
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {items.length === 0 && <p>None exist yet.</p>}
      {items.map((item, i) => (
        <div className="field field-inline" key={item.value}>
          <input id={`${id}-${i}`} type="checkbox" checked={selected.has(item.value)} onChange={(e) => toggle(item.value, e.target.checked)} />
          <label htmlFor={`${id}-${i}`}>{item.label}</label>
        </div>
      ))}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </fieldset>
  );
}
