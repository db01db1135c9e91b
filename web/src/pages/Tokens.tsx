import type { Token } from '@migrator/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';

import { api, unwrap } from '../api/client';
import { AdminOnly } from '../catalog/AdminOnly';
import { ListTable } from '../catalog/ListTable';
import { FormProblemProvider, ProblemAlert, SelectField, TextField } from '../catalog/fields';
import { SecretOnce } from '../catalog/SecretOnce';

const roles = ['viewer', 'operator', 'admin'] as const;

/** API tokens: who may use the API and the console, with which role. */
export function Tokens() {
  return (
    <AdminOnly title="Tokens">
      <TokenList />
    </AdminOnly>
  );
}

function TokenList() {
  const queryClient = useQueryClient();
  const [announcement, setAnnouncement] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const list = useQuery({ queryKey: ['tokens'], queryFn: () => unwrap(api.GET('/api/v1/tokens')) });
  const revoke = useMutation({
    mutationFn: (token: Token) => unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: token.id } } })),
    onSuccess: (_, token) => {
      setConfirming(null);
      setAnnouncement(`Token ${token.name} revoked: its sessions ended.`);
      return queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Tokens</h1>
      <p className="intro">A token signs a person or a script in with a role: viewer reads, operator runs, cancels and approves, admin also edits the catalog and tokens.</p>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      <ProblemAlert error={revoke.error} />
      <NewTokenForm onCreated={(name) => setAnnouncement(`Token ${name} created.`)} />
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.isSuccess && items.length === 0 && <p className="empty">No tokens yet. Create one above for each person or script.</p>}
      {items.length > 0 && (
        <ListTable caption="Tokens" headers={['Name', 'Owner', 'Role', 'Created', 'Expires', 'State', 'Actions']}>
            {items.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>{t.owner}</td>
                <td>{t.role}</td>
                <td>
                  {new Date(t.createdAt).toLocaleString()}
                  {t.createdBy ? ` by ${t.createdBy}` : ''}
                </td>
                <td>{t.expiresAt ? new Date(t.expiresAt).toLocaleString() : 'never'}</td>
                <td>{t.revokedAt ? `revoked ${new Date(t.revokedAt).toLocaleString()}` : 'active'}</td>
                <td className="actions">
                  {!t.revokedAt && confirming !== t.id && (
                    <button type="button" aria-label={`Revoke ${t.name}`} onClick={() => setConfirming(t.id)}>
                      Revoke
                    </button>
                  )}
                  {!t.revokedAt && confirming === t.id && (
                    <>
                      <button type="button" className="danger" aria-label={`Revoke now: ${t.name}, ending its sessions`} disabled={revoke.isPending} onClick={() => revoke.mutate(t)}>
                        Revoke now
                      </button>
                      <button type="button" aria-label={`Keep ${t.name}`} onClick={() => setConfirming(null)}>
                        Keep
                      </button>
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

function NewTokenForm({ onCreated }: { onCreated: (name: string) => void }) {
  const queryClient = useQueryClient();
  const titleId = useId();
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [role, setRole] = useState<(typeof roles)[number]>('viewer');
  const [expiresAt, setExpiresAt] = useState('');
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/tokens', { body: { name, owner, role, expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null } })),
    onSuccess: (created) => {
      onCreated(created.name);
      setName('');
      setOwner('');
      return queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <form className="catalog-form" aria-labelledby={titleId} onSubmit={submit} noValidate>
        <h2 id={titleId}>New token</h2>
        <FormProblemProvider error={create.error}>
          <TextField label="Token name" path="name" value={name} onChange={setName} required hint="Where it is used, e.g. dana-laptop or nightly-ci." />
          <TextField label="Owner" path="owner" value={owner} onChange={setOwner} required hint="The person who holds it; approvals compare owners." />
          <SelectField label="Role" path="role" value={role} options={roles.map((r) => ({ value: r, label: r }))} onChange={setRole} />
          <TextField label="Expires at" type="datetime-local" path="expiresAt" value={expiresAt} onChange={setExpiresAt} hint="Leave empty for a token that does not expire." />
          <ProblemAlert error={create.error} />
        </FormProblemProvider>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.data && <SecretOnce region={`Token ${create.data.name} created`} name={create.data.name} secret={create.data.token} />}
    </>
  );
}
