import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { ListTable } from '../catalog/ListTable';
import { useRole } from '../catalog/useRole';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { EnvironmentName } from '../schedules/EnvironmentName';
import { ScheduleActions } from '../schedules/ScheduleActions';
import { describeSpec, describeState, type ScheduleDetail, useScheduleDetail } from '../schedules/scheduleApi';

/** One schedule: what it runs, its next run times and its last runs, each linking to its execution. */
export function Schedule() {
  const { id = '' } = useParams();
  const detail = useScheduleDetail(id);
  const { canRun } = useRole();
  const navigate = useNavigate();
  const [announcement, setAnnouncement] = useState('');

  if (detail.isPending) return <p className="loading">Loading…</p>;
  if (detail.isError)
    return (
      <section aria-labelledby="schedule-title">
        <h1 id="schedule-title">Schedule</h1>
        <p role="alert">{detail.error.message}</p>
        <p>
          Back to the <Link to="/schedules">schedules</Link>.
        </p>
      </section>
    );
  const s = detail.data;
  return (
    <section aria-labelledby="schedule-title">
      <h1 id="schedule-title">Schedule {s.name}</h1>
      <p>
        <Link to="/schedules">All schedules</Link>
      </p>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      <ScheduleFacts schedule={s} />
      {canRun && (
        <div className="actions">
          <ScheduleActions schedule={s} announce={setAnnouncement} onDeleted={() => navigate('/schedules', { replace: true })} />
        </div>
      )}
      <h2>Next runs</h2>
      {s.state !== 'active' && <p>It does not run while it is {s.awaitingApproval ? 'waiting for approval' : 'paused'}; these are the times it would run once it is active.</p>}
      {s.nextRunTimes === null ? (
        <p>Temporal did not answer; the next run times are not known right now.</p>
      ) : s.nextRunTimes.length === 0 ? (
        <p>No run is due.</p>
      ) : (
        <ol aria-label="Next run times">
          {s.nextRunTimes.map((t) => (
            <li key={t}>{new Date(t).toLocaleString()}</li>
          ))}
        </ol>
      )}
      <h2 id="last-runs-title">Last runs</h2>
      {s.runs.length === 0 ? (
        <p className="empty">No runs yet. They appear here as Temporal starts them{canRun ? ', or use Trigger to run it now' : ''}.</p>
      ) : (
        <ListTable caption="Last runs" headers={['At', 'Outcome', 'Version', 'Execution or reason']}>
          {s.runs.map((r) => (
            <tr key={r.id}>
              <th scope="row">{new Date(r.at).toLocaleString()}</th>
              <td>{r.outcome}</td>
              <td>{r.version ?? '—'}</td>
              <td>
                {r.executionId ? (
                  // The whole id: a scheduled run's execution takes its Temporal run id, whose first
                  // digits are a timestamp, the same for every run of the same minute.
                  <Link to={`/executions/${r.executionId}`}>Execution {r.executionId}</Link>
                ) : (
                  <>
                    {r.reasonCode && <code>{r.reasonCode}</code>} {r.reason}
                  </>
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </section>
  );
}

function ScheduleFacts({ schedule: s }: { schedule: ScheduleDetail }) {
  const { jobs } = useCatalogNames();
  const { environments } = useSelectedEnvironment();
  const params = Object.entries(s.params);
  return (
    <dl className="facts">
      <dt>Job</dt>
      <dd>{jobs.find((j) => j.id === s.jobId)?.name ?? s.jobId}</dd>
      <dt>Environment</dt>
      <dd>
        <EnvironmentName environment={environments.find((e) => e.id === s.environmentId)} fallback={s.environmentId} />
      </dd>
      <dt>Parameters</dt>
      <dd>{params.length === 0 ? 'none' : params.map(([k, v]) => `${k}=${String(v)}`).join(', ')}</dd>
      <dt>When</dt>
      <dd>
        {describeSpec(s)} ({s.timeZone})
      </dd>
      <dt>Overlap</dt>
      <dd>{s.overlap === 'skip' ? 'a run due while the last one runs is skipped' : 'one run due while the last one runs waits for it'}</dd>
      <dt>State</dt>
      <dd>
        {describeState(s)}
        {s.pausedAt && s.paused ? ` since ${new Date(s.pausedAt).toLocaleString()}` : ''}
        {s.pauseReason && s.paused ? `: ${s.pauseReason}` : ''}
      </dd>
      <dt>Version</dt>
      <dd>
        {s.version}
        {s.production && (s.approvedVersion !== null ? `; version ${s.approvedVersion} approved by ${s.approvedBy ?? 'someone'}` : '; none approved yet')}
      </dd>
      <dt>Created by</dt>
      <dd>
        {s.createdBy} on {new Date(s.createdAt).toLocaleString()}
      </dd>
      {s.note && (
        <>
          <dt>Note</dt>
          <dd>{s.note}</dd>
        </>
      )}
      <dt>Temporal Schedule</dt>
      <dd>
        <code>{s.temporalScheduleId}</code>
      </dd>
    </dl>
  );
}
