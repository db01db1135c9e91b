import { type FormValues, valuesOf } from '@migrator/api-client';
import { useState } from 'react';
import { Link } from 'react-router';

import { ProblemError } from '../api/client';
import { CatalogForm } from '../catalog/CatalogForm';
import { SelectField, TextField } from '../catalog/fields';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { ParamFields, useJobParams } from '../run/jobParams';
import { type ScheduleBody, type ScheduleDetail, scheduleApi } from './scheduleApi';

interface Props {
  editing: ScheduleDetail | null;
  onSaved: (schedule: ScheduleDetail) => void;
  onCancel: () => void;
}

type SpecKind = 'interval' | 'cron';

/** The server's refusals of `params.<name>`, by parameter name. */
function paramErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ProblemError)) return {};
  const byName: Record<string, string> = {};
  for (const e of error.fieldErrors) if (e.path.startsWith('params.')) byName[e.path.slice('params.'.length)] ??= e.message;
  return byName;
}

/** Create or change a schedule: what runs (job, environment, parameters as the Run form asks them) and when. */
export function ScheduleForm({ editing, onSaved, onCancel }: Props) {
  const { jobs } = useCatalogNames();
  const { environments, selectedId } = useSelectedEnvironment();
  const [name, setName] = useState(editing?.name ?? '');
  const [jobId, setJobId] = useState(editing?.jobId ?? '');
  const [environmentId, setEnvironmentId] = useState(editing?.environmentId ?? selectedId);
  const [values, setValues] = useState<FormValues>(() => (editing ? valuesOf(editing.params) : {}));
  const [specKind, setSpecKind] = useState<SpecKind>(editing?.cron ? 'cron' : 'interval');
  const [cron, setCron] = useState(editing?.cron ?? '');
  const [intervalSeconds, setIntervalSeconds] = useState(editing?.intervalSeconds !== null && editing?.intervalSeconds !== undefined ? String(editing.intervalSeconds) : '');
  const [timeZone, setTimeZone] = useState(editing?.timeZone ?? 'UTC');
  const [note, setNote] = useState(editing?.note ?? '');
  const [overlap, setOverlap] = useState<ScheduleBody['overlap'] & string>(editing?.overlap ?? 'skip');
  const [confirmation, setConfirmation] = useState('');
  const [lastError, setLastError] = useState<unknown>(null);
  const environment = environments.find((e) => e.id === environmentId);

  const { schema, params, pageErrors } = useJobParams(jobId, values);
  const serverErrors = paramErrors(lastError);

  const save = async () => {
    setLastError(null);
    const body: ScheduleBody = {
      name,
      jobId,
      environmentId,
      params,
      cron: specKind === 'cron' ? cron : null,
      intervalSeconds: specKind === 'interval' ? (intervalSeconds.trim() === '' ? null : Number(intervalSeconds)) : null,
      timeZone,
      note: note.trim() === '' ? null : note,
      overlap,
      ...(environment?.production ? { confirmProduction: confirmation } : {}),
    };
    try {
      return await (editing ? scheduleApi.patch(editing.id, body) : scheduleApi.create(body));
    } catch (error) {
      setLastError(error);
      throw error;
    }
  };

  return (
    <CatalogForm noun="schedule" editing={editing} save={save} onSaved={onSaved} onCancel={onCancel}>
      <TextField label="Name" path="name" value={name} onChange={setName} required hint="What it does, e.g. nightly-patient-import." />
      <SelectField
        label="Job"
        path="jobId"
        value={jobId}
        options={[{ value: '', label: 'Choose a job…' }, ...jobs.map((j) => ({ value: j.id, label: j.name }))]}
        onChange={(id) => {
          setJobId(id);
          setValues({});
        }}
      />
      {jobs.length === 0 && (
        <p className="empty">
          There are no jobs yet: an admin creates them on the <Link to="/jobs">Jobs</Link> page.
        </p>
      )}
      <SelectField
        label="Environment"
        path="environmentId"
        value={environmentId}
        options={[{ value: '', label: 'Choose an environment…' }, ...environments.map((e) => ({ value: e.id, label: `${e.name}${e.production ? ' (production)' : ''}` }))]}
        onChange={setEnvironmentId}
      />
      {environment?.production && (
        <p className="production">{environment.name} is a production environment: the schedule stays paused until a second operator approves it, and again after each change of what runs.</p>
      )}
      <ParamFields
        jobId={jobId}
        schema={schema}
        values={values}
        errorOf={(param) => serverErrors[param] ?? (values[param] !== undefined ? pageErrors[param] : undefined)}
        onChange={(param, v) => setValues((old) => ({ ...old, [param]: v }))}
        onBlur={() => undefined}
      />
      <fieldset>
        <legend>When</legend>
        <div className="field field-inline">
          <input id="spec-interval" type="radio" name="spec-kind" checked={specKind === 'interval'} onChange={() => setSpecKind('interval')} />
          <label htmlFor="spec-interval">At an interval</label>
        </div>
        <div className="field field-inline">
          <input id="spec-cron" type="radio" name="spec-kind" checked={specKind === 'cron'} onChange={() => setSpecKind('cron')} />
          <label htmlFor="spec-cron">By a cron expression</label>
        </div>
        {specKind === 'interval' ? (
          <TextField label="Every (seconds)" type="number" path="intervalSeconds" value={intervalSeconds} onChange={setIntervalSeconds} required />
        ) : (
          <TextField label="Cron expression" path="cron" value={cron} onChange={setCron} required hint="As Temporal reads it: 5 to 7 fields (30 2 * * * is 02:30 each day), or @daily, @every 1h." />
        )}
        <TextField label="Time zone" path="timeZone" value={timeZone} onChange={setTimeZone} hint="An IANA name such as Europe/Berlin; the cron expression is read in it." />
      </fieldset>
      <SelectField
        label="When a run is due while the last one still runs"
        path="overlap"
        value={overlap}
        options={[
          { value: 'skip', label: 'Skip it (recorded as skipped)' },
          { value: 'buffer_one', label: 'Run it after (buffer one)' },
        ]}
        onChange={setOverlap}
      />
      <TextField label="Note" path="note" value={note} onChange={setNote} multiline hint="For people reading the schedule; nothing personal (it is not encrypted)." />
      {environment?.production && (
        <TextField label={`Type the environment’s name (${environment.name}) to confirm`} path="confirmProduction" value={confirmation} onChange={setConfirmation} />
      )}
    </CatalogForm>
  );
}
