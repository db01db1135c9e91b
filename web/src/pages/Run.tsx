import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { api, ProblemError, unwrap } from '../api/client';
import { useMe } from '../auth/useMe';
import { EnvironmentOptions } from '../environment/EnvironmentOptions';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { ParamFields, useJobParams } from '../run/jobParams';
import { type FormValues, orderedNames, valuesOf } from '@migrator/api-client';

/** The server's refusals by field: `params.<name>` by parameter, other paths as they are. */
function serverFieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ProblemError)) return {};
  const byField: Record<string, string> = {};
  for (const e of error.fieldErrors) byField[e.path.replace(/^params\./, '')] ??= e.message;
  return byField;
}

/** Start a job: its parameters as a form generated from the server's schema, checked as the operator types. */
export function Run() {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const { environments, selectedId } = useSelectedEnvironment();
  const { jobs } = useCatalogNames();
  const jobId = search.get('jobId') ?? '';
  const environmentId = search.get('environmentId') ?? selectedId;
  const rerunOf = search.get('rerunOf');
  const environment = environments.find((e) => e.id === environmentId);

  const [values, setValues] = useState<FormValues>({});
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [confirmation, setConfirmation] = useState('');

  const { schema, params, pageErrors, checked } = useJobParams(jobId, values);
  const previous = useQuery({
    queryKey: ['execution', rerunOf],
    queryFn: () => unwrap(api.GET('/api/v1/executions/{id}', { params: { path: { id: rerunOf! } } })),
    enabled: rerunOf !== null,
  });
  useEffect(() => {
    if (previous.data && previous.data.jobId === jobId) setValues(valuesOf(previous.data.params as Record<string, unknown>));
  }, [previous.data, jobId]);

  const valid = checked && Object.keys(pageErrors).length === 0;

  const preview = useQuery({
    queryKey: ['jobs', jobId, 'preview', environmentId, params],
    queryFn: () => unwrap(api.POST('/api/v1/jobs/{id}/preview', { params: { path: { id: jobId } }, body: { params, ...(environmentId ? { environmentId } : {}) } })),
    enabled: valid,
    placeholderData: keepPreviousData,
    retry: false,
  });

  const start = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/executions', {
          body: { jobId, environmentId, params, ...(environment?.production ? { confirmProduction: confirmation } : {}) },
        }),
      ),
    onSuccess: (answer) => navigate(`/executions/${answer.id}`),
  });
  const serverErrors = serverFieldErrors(start.error);

  const choose = (name: 'jobId' | 'environmentId', id: string) => {
    const next = new URLSearchParams(search);
    if (id) next.set(name, id);
    else next.delete(name);
    if (name === 'jobId') {
      next.delete('rerunOf');
      setValues({});
      setTouched(new Set());
      setSubmitted(false);
    }
    start.reset();
    setSearch(next, { replace: true });
  };
  const change = (name: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setTouched((t) => new Set(t).add(name));
    start.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!valid) {
      const first = schema.data ? orderedNames(schema.data).find((n) => pageErrors[n]) : undefined;
      if (first) document.getElementById(`param-${first}`)?.focus();
      return;
    }
    start.mutate();
  };

  if (me.data?.role === 'viewer') return <p role="alert">Starting a job needs the operator role; ask an admin for an operator token.</p>;
  const shownError = (name: string) => serverErrors[name] ?? (submitted || touched.has(name) ? pageErrors[name] : undefined);

  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">{rerunOf ? 'Re-run a job' : 'Run a job'}</h1>
      <form onSubmit={submit} noValidate className="run-form">
        <div className="field">
          <label htmlFor="run-job">Job</label>
          <select id="run-job" value={jobId} onChange={(e) => choose('jobId', e.target.value)} aria-describedby={serverErrors.jobId ? 'run-job-error' : undefined}>
            <option value="">Choose a job…</option>
            {jobs.map((j) => (
              <option key={j.id} value={j.id}>
                {j.name}
              </option>
            ))}
          </select>
          {serverErrors.jobId && <p id="run-job-error" className="field-error">{serverErrors.jobId}</p>}
          {jobs.length === 0 && <p className="empty">There are no jobs yet: an admin creates them on the <Link to="/jobs">Jobs</Link> page.</p>}
        </div>
        <div className="field">
          <label htmlFor="run-environment">Environment</label>
          <select id="run-environment" value={environmentId} onChange={(e) => choose('environmentId', e.target.value)}>
            <option value="">Choose an environment…</option>
            <EnvironmentOptions environments={environments} />
          </select>
          {environment?.production && <p className="production">{environment.name} is a production environment: a second operator must approve the run.</p>}
          {serverErrors.environmentId && <p className="field-error">{serverErrors.environmentId}</p>}
        </div>
        <ParamFields
          jobId={jobId}
          schema={schema}
          values={values}
          errorOf={shownError}
          onChange={change}
          onBlur={(name) => setTouched((t) => new Set(t).add(name))}
        />
        {valid && preview.data && (
          <section aria-labelledby="preview-title" className="preview">
            <h2 id="preview-title">What the host will run</h2>
            <p>
              Interpreter <code>{preview.data.interpreter}</code>, script <code>{preview.data.scriptPath}</code>
            </p>
            <ol aria-label="Arguments in order">
              {preview.data.argv.map((arg, i) => (
                <li key={i}>
                  <code>{arg}</code>
                </li>
              ))}
            </ol>
            <pre>{preview.data.commandLine}</pre>
          </section>
        )}
        {preview.isError && <p className="field-error">{preview.error.message}</p>}
        {environment?.production && (
          <div className="field">
            <label htmlFor="confirm-production">Type the environment’s name ({environment.name}) to confirm</label>
            <input
              id="confirm-production"
              type="text"
              autoComplete="off"
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
              aria-describedby={serverErrors.confirmProduction ? 'confirm-production-error' : undefined}
            />
            {serverErrors.confirmProduction && (
              <p id="confirm-production-error" className="field-error">
                {serverErrors.confirmProduction}
              </p>
            )}
          </div>
        )}
        {start.error && <p role="alert">{start.error.message}</p>}
        <button type="submit" disabled={!jobId || !environmentId || !schema.data || start.isPending}>
          {start.isPending ? 'Starting…' : environment?.production ? 'Ask for approval and run' : 'Run'}
        </button>
      </form>
    </section>
  );
}
