import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';

import { ListTable } from '../catalog/ListTable';
import { useRole } from '../catalog/useRole';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { EnvironmentName } from '../schedules/EnvironmentName';
import { ScheduleActions } from '../schedules/ScheduleActions';
import { describeSpec, describeState, type ScheduleDetail, scheduleApi, schedulesKey } from '../schedules/scheduleApi';
import { ScheduleForm } from '../schedules/ScheduleForm';
import { useEditing } from '../catalog/useEditing';

/** Schedules: recurring runs of a job on an environment, each a Temporal Schedule. */
export function Schedules() {
  const { canRun } = useRole();
  const queryClient = useQueryClient();
  const { jobs } = useCatalogNames();
  const { environments } = useSelectedEnvironment();
  const { editing, setEditing, newButton } = useEditing<ScheduleDetail>();
  const [announcement, setAnnouncement] = useState('');

  const list = useQuery({ queryKey: [...schedulesKey, 'list'], queryFn: scheduleApi.list, refetchInterval: 5000 });
  const items = list.data ?? [];
  // The list answer has no next run times: each row reads its schedule's detail (shared with the detail page).
  const details = useQueries({
    queries: items.map((s) => ({ queryKey: [...schedulesKey, 'detail', s.id], queryFn: () => scheduleApi.get(s.id), refetchInterval: 5000 })),
  });

  const saved = (schedule: ScheduleDetail) => {
    setAnnouncement(`Schedule ${schedule.name} ${editing === 'new' ? 'created' : 'saved'}${schedule.awaitingApproval ? ': it waits for a second operator’s approval' : ''}.`);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: schedulesKey });
  };
  const startEdit = async (id: string) => setEditing(await queryClient.fetchQuery({ queryKey: [...schedulesKey, 'detail', id], queryFn: () => scheduleApi.get(id) }));

  return (
    <section aria-labelledby="schedules-title" className="catalog">
      <div className="page-title">
        <h1 id="schedules-title">Schedules</h1>
        {canRun && editing === null && (
          <button type="button" ref={newButton} onClick={() => setEditing('new')}>
            New schedule
          </button>
        )}
      </div>
      <p className="intro">
        A schedule runs a job on an environment by a cron expression or at an interval; each run is an ordinary execution. On a production environment a schedule stays paused until a
        second operator approves it, and again after each change of what runs.
      </p>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      {canRun && editing !== null && <ScheduleForm key={editing === 'new' ? 'new' : editing.id} editing={editing === 'new' ? null : editing} onSaved={saved} onCancel={() => setEditing(null)} />}
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.isSuccess && items.length === 0 && (
        <p className="empty">{canRun ? 'No schedules yet. Create one with “New schedule”.' : 'No schedules yet. An operator creates them.'}</p>
      )}
      {items.length > 0 && (
        <ListTable caption="Schedules" headers={['Name', 'Job', 'Environment', 'When', 'Time zone', 'State', 'Next run', ...(canRun ? ['Actions'] : [])]}>
          {items.map((s, i) => {
            const next = details[i]?.data?.nextRunTimes;
            return (
              <tr key={s.id}>
                <th scope="row">
                  <Link to={`/schedules/${s.id}`}>{s.name}</Link>
                </th>
                <td>{jobs.find((j) => j.id === s.jobId)?.name ?? s.jobId}</td>
                <td>
                  <EnvironmentName environment={environments.find((e) => e.id === s.environmentId)} fallback={s.environmentId} />
                </td>
                <td>{describeSpec(s)}</td>
                <td>{s.timeZone}</td>
                <td>{describeState(s)}</td>
                <td>{s.state !== 'active' ? 'none while paused' : next === undefined ? '…' : next === null ? 'Temporal did not answer' : next[0] ? new Date(next[0]).toLocaleString() : 'none due'}</td>
                {canRun && (
                  <td className="actions">
                    <button type="button" aria-label={`Edit ${s.name}`} onClick={() => void startEdit(s.id)}>
                      Edit
                    </button>
                    <ScheduleActions schedule={s} announce={setAnnouncement} />
                  </td>
                )}
              </tr>
            );
          })}
        </ListTable>
      )}
    </section>
  );
}
