import { useQuery } from '@tanstack/react-query';

import { ListTable } from '../catalog/ListTable';
import { notificationApi, notificationsKey, type NotificationTarget } from './notificationApi';

/** A target's deliveries, newest first, read again every few seconds while shown (retries go on for a day). */
export function Deliveries({ target }: { target: NotificationTarget }) {
  const deliveries = useQuery({ queryKey: [...notificationsKey, 'deliveries', target.id], queryFn: () => notificationApi.deliveries(target.id), refetchInterval: 2000 });
  const items = deliveries.data ?? [];
  return (
    <section aria-label={`Deliveries to ${target.name}`} className="deliveries">
      <h3>Deliveries to {target.name}</h3>
      {deliveries.isPending && <p>Loading…</p>}
      {deliveries.isError && <p role="alert">{deliveries.error.message}</p>}
      {deliveries.isSuccess && items.length === 0 && <p className="empty">Nothing delivered yet. Send a test to see one here.</p>}
      {items.length > 0 && (
        <ListTable caption={`Deliveries to ${target.name}`} headers={['Event', 'State', 'Attempts', 'Last status', 'Error', 'Created']}>
          {items.map((d) => (
            <tr key={d.id}>
              <th scope="row">{d.event}</th>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.lastStatus ?? 'no answer yet'}</td>
              <td>{d.lastError ?? '—'}</td>
              <td>{new Date(d.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </ListTable>
      )}
    </section>
  );
}
