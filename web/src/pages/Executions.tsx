import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../api/client';

/** The history, newest first. */
export function Executions() {
  const list = useQuery({ queryKey: ['executions'], queryFn: () => unwrap(api.GET('/api/v1/executions', { params: { query: {} } })) });
  return (
    <section aria-labelledby="executions-title">
      <h1 id="executions-title">Executions</h1>
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.data && list.data.items.length === 0 && <p>No executions yet. Run a job from the Jobs page.</p>}
      {list.data && list.data.items.length > 0 && (
        <table>
          <caption className="visually-hidden">Executions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">Started by</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr key={e.id}>
                <td>{e.jobName}</td>
                <td>{e.environmentName}</td>
                <td>{e.status}</td>
                <td>{e.startedBy}</td>
                <td>{new Date(e.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
