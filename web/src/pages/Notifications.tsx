import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';

import { AdminOnly } from '../catalog/AdminOnly';
import { ProblemAlert } from '../catalog/fields';
import { ListTable } from '../catalog/ListTable';
import { SecretOnce } from '../catalog/SecretOnce';
import { useSelectedEnvironment } from '../environment/SelectedEnvironment';
import { useCatalogNames } from '../executions/ExecutionFilters';
import { Deliveries } from '../notifications/Deliveries';
import { notificationApi, notificationsKey, type NotificationTarget } from '../notifications/notificationApi';
import { NotificationForm } from '../notifications/NotificationForm';
import { useEditing } from '../catalog/useEditing';

/** Notification targets: webhooks told of executions and schedules (admins only). */
export function Notifications() {
  return (
    <AdminOnly title="Notifications">
      <TargetList />
    </AdminOnly>
  );
}

type Action = 'test' | 'rotateSecret' | 'remove';

function TargetList() {
  const queryClient = useQueryClient();
  const { jobs } = useCatalogNames();
  const { environments } = useSelectedEnvironment();
  const { editing, setEditing, newButton } = useEditing<NotificationTarget>();
  const [announcement, setAnnouncement] = useState('');
  const [secret, setSecret] = useState<{ name: string; secret: string; rotated: boolean } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [shownDeliveries, setShownDeliveries] = useState<Set<string>>(new Set());

  const list = useQuery({ queryKey: [...notificationsKey, 'list'], queryFn: notificationApi.list });
  const act = useMutation({
    mutationFn: async ({ action, target }: { action: Action; target: NotificationTarget }) => {
      if (action === 'rotateSecret') return notificationApi.rotateSecret(target.id);
      if (action === 'test') await notificationApi.test(target.id);
      else await notificationApi.remove(target.id);
      return undefined;
    },
    onSuccess: async (answer, { action, target }) => {
      setConfirming(null);
      if (action === 'rotateSecret' && answer) {
        setSecret({ name: answer.name, secret: answer.secret, rotated: true });
        setAnnouncement(`The secret of ${target.name} was replaced: copy the new one now.`);
      } else if (action === 'test') {
        setShownDeliveries((s) => new Set(s).add(target.id));
        setAnnouncement(`Test event sent to ${target.name}: its delivery is listed under its row.`);
      } else {
        setAnnouncement(`Notification target ${target.name} deleted.`);
      }
      await queryClient.invalidateQueries({ queryKey: notificationsKey });
    },
  });

  const saved = (target: NotificationTarget) => {
    if (editing === 'new' && 'secret' in target && typeof target.secret === 'string') setSecret({ name: target.name, secret: target.secret, rotated: false });
    setAnnouncement(`Notification target ${target.name} ${editing === 'new' ? 'created: copy its secret now' : 'saved'}.`);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: notificationsKey });
  };
  const names = (ids: string[] | null, all: { id: string; name: string }[]) => ids?.map((id) => all.find((x) => x.id === id)?.name ?? id).join(', ');
  const filters = (t: NotificationTarget) =>
    [
      t.onlyProduction ? 'production only' : '',
      t.environmentIds ? `environments: ${names(t.environmentIds, environments)}` : '',
      t.jobIds ? `jobs: ${names(t.jobIds, jobs)}` : '',
    ]
      .filter(Boolean)
      .join('; ') || 'none';
  const items = list.data ?? [];
  const button = (action: Action, label: string, target: NotificationTarget) => (
    <button type="button" aria-label={`${label} ${target.name}`} disabled={act.isPending} onClick={() => act.mutate({ action, target })}>
      {label}
    </button>
  );

  return (
    <section aria-labelledby="notifications-title" className="catalog">
      <div className="page-title">
        <h1 id="notifications-title">Notifications</h1>
        {editing === null && (
          <button type="button" ref={newButton} onClick={() => setEditing('new')}>
            New notification target
          </button>
        )}
      </div>
      <p className="intro">
        A notification target is a webhook Migrator POSTs events to (an execution awaiting approval, one that failed, a skipped scheduled run…), signed with the target’s secret in{' '}
        <code>Migrator-Signature</code>. Temporal delivers each event and retries it for a day.
      </p>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      <ProblemAlert error={act.error} />
      {editing !== null && <NotificationForm key={editing === 'new' ? 'new' : editing.id} editing={editing === 'new' ? null : editing} onSaved={saved} onCancel={() => setEditing(null)} />}
      {secret && <SecretOnce region={`Notification target ${secret.name} ${secret.rotated ? 'has a new secret' : 'created'}`} name={secret.name} secret={secret.secret} />}
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.isSuccess && items.length === 0 && <p className="empty">No notification targets yet. Create one with “New notification target”, then Send test.</p>}
      {items.length > 0 && (
        <ListTable caption="Notification targets" headers={['Name', 'URL', 'Events', 'Filters', 'Format', 'Enabled', 'Actions']}>
          {items.map((t) => (
            <Fragment key={t.id}>
              <tr>
                <th scope="row">{t.name}</th>
                <td>
                  <code>{t.url}</code>
                </td>
                <td>{t.events.join(', ')}</td>
                <td>{filters(t)}</td>
                <td>{t.format === 'slack' ? 'Slack' : 'JSON'}</td>
                <td>{t.enabled ? 'yes' : 'no'}</td>
                <td className="actions">
                  <button type="button" aria-label={`Edit ${t.name}`} onClick={() => setEditing(t)}>
                    Edit
                  </button>
                  {button('test', 'Send test', t)}
                  {button('rotateSecret', 'Rotate secret', t)}
                  <button
                    type="button"
                    aria-expanded={shownDeliveries.has(t.id)}
                    aria-label={`Deliveries of ${t.name}`}
                    onClick={() =>
                      setShownDeliveries((s) => {
                        const next = new Set(s);
                        if (!next.delete(t.id)) next.add(t.id);
                        return next;
                      })
                    }
                  >
                    Deliveries
                  </button>
                  {confirming === t.id ? (
                    <>
                      <button type="button" className="danger" aria-label={`Delete now: ${t.name} and its deliveries`} disabled={act.isPending} onClick={() => act.mutate({ action: 'remove', target: t })}>
                        Delete now
                      </button>
                      <button type="button" aria-label={`Keep ${t.name}`} onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <button type="button" aria-label={`Delete ${t.name}`} onClick={() => setConfirming(t.id)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
              {shownDeliveries.has(t.id) && (
                <tr className="details">
                  <td colSpan={7}>
                    <Deliveries target={t} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </ListTable>
      )}
    </section>
  );
}
