import type { Job } from '@migrator/api-client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { CatalogForm } from '../catalog/CatalogForm';
import { CatalogPage, type CatalogFormProps } from '../catalog/CatalogPage';
import { jobs, sources } from '../catalog/catalogApi';
import { numberOrUndefined, SelectField, TextField } from '../catalog/fields';
import { draftOf, ParameterEditor, parameterOf } from '../catalog/ParameterEditor';
import { useRole } from '../catalog/useRole';

const interpreters = ['node', 'bash', 'python3', 'exec'] as const;

function useSourceNames() {
  return useQuery({ queryKey: ['catalog', 'sources', true], queryFn: () => sources.list(true) });
}

/** Jobs: what runs (a script on the host and its ordered parameters), and Run. */
export function Jobs() {
  const { canRun } = useRole();
  const sourceList = useSourceNames();
  const sourceName = (id: string) => sourceList.data?.items.find((s) => s.id === id)?.name ?? '';
  return (
    <CatalogPage
      title="Jobs"
      noun="job"
      kind={jobs}
      intro="A job is a script on the remote host and the parameters it takes, in order. Run one to start an execution."
      columns={[
        { header: 'Source', cell: (j) => sourceName(j.sourceId) },
        { header: 'Script', cell: (j) => <code>{`${j.interpreter} ${j.scriptPath}`}</code> },
        { header: 'Parameters', cell: (j) => describeParameters(j) },
        { header: 'Timeout', cell: (j) => `${j.timeoutSeconds} s` },
      ]}
      empty={{ admin: 'No jobs yet. Create one with “New job” (it needs a source: add one on the Sources page first).', others: 'No jobs yet. An admin creates them.' }}
      rowActions={(job) =>
        canRun && (
          <Link to={`/run?jobId=${encodeURIComponent(job.id)}`} aria-label={`Run ${job.name}`} className="button-link">
            Run
          </Link>
        )
      }
      Form={JobForm}
    />
  );
}

function describeParameters(job: Job): string {
  if (job.parameters.length === 0) return 'none';
  return job.parameters.map((p) => `${p.name}${p.required ? '' : '?'} (${p.type})`).join(', ');
}

function JobForm({ editing, onSaved, onCancel }: CatalogFormProps<Job>) {
  const sourceList = useSourceNames();
  const activeSources = (sourceList.data?.items ?? []).filter((s) => !s.archivedAt || s.id === editing?.sourceId);
  const [name, setName] = useState(editing?.name ?? '');
  const [sourceId, setSourceId] = useState(editing?.sourceId ?? '');
  const [scriptPath, setScriptPath] = useState(editing?.scriptPath ?? '');
  const [interpreter, setInterpreter] = useState<(typeof interpreters)[number]>(editing?.interpreter ?? 'node');
  const [timeoutSeconds, setTimeoutSeconds] = useState(String(editing?.timeoutSeconds ?? 3600));
  const [parameters, setParameters] = useState(() => (editing?.parameters ?? []).map(draftOf));

  const save = () => {
    const body = { name, sourceId, scriptPath, interpreter, timeoutSeconds: numberOrUndefined(timeoutSeconds), parameters: parameters.map(parameterOf) };
    return editing ? jobs.patch(editing.id, body) : jobs.create(body);
  };
  return (
    <CatalogForm noun="job" editing={editing} save={save} onSaved={onSaved} onCancel={onCancel}>
      <fieldset>
        <legend>Job</legend>
        <TextField label="Name" path="name" value={name} onChange={setName} required />
        <SelectField
          label="Source"
          path="sourceId"
          value={sourceId}
          options={[{ value: '', label: activeSources.length === 0 ? 'No sources yet: create one on the Sources page' : 'Choose a source' }, ...activeSources.map((s) => ({ value: s.id, label: s.name }))]}
          onChange={setSourceId}
        />
        <TextField label="Script path" path="scriptPath" value={scriptPath} onChange={setScriptPath} required hint="Absolute path of the script on the host." />
        <SelectField label="Interpreter" path="interpreter" value={interpreter} options={interpreters.map((i) => ({ value: i, label: i }))} onChange={setInterpreter} />
        <TextField label="Timeout (seconds)" type="number" path="timeoutSeconds" value={timeoutSeconds} onChange={setTimeoutSeconds} />
      </fieldset>
      <ParameterEditor parameters={parameters} onChange={setParameters} />
    </CatalogForm>
  );
}
