import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useId, useState } from 'react';

import { ProblemAlert } from './fields';
import { ListTable } from './ListTable';
import type { CatalogKind } from './catalogApi';
import { useRole } from './useRole';
import { useEditing } from './useEditing';

export interface CatalogItem {
  id: string;
  name: string;
  archivedAt: string | null;
}

export interface CatalogFormProps<Item> {
  /** The entry being edited, or null for a new one. */
  editing: Item | null;
  /** Called with what the server answered once it saved. */
  onSaved: (item: Item) => void;
  onCancel: () => void;
}

interface CatalogPageProps<Item extends CatalogItem> {
  title: string;
  /** "source", "environment", "job": in button names and messages. */
  noun: string;
  kind: CatalogKind<Item, never, { archived?: boolean }>;
  intro: ReactNode;
  columns: { header: string; cell: (item: Item) => ReactNode }[];
  /** What to do next when there is nothing yet, for admins and for the others. */
  empty: { admin: ReactNode; others: ReactNode };
  /** Controls of a row besides Edit and Archive (Run, Check), shown to whom they concern; `announce` tells screen readers what they did. */
  rowActions?: (item: Item, announce: (message: string) => void) => ReactNode;
  /** Something shown under a row (a check's report). */
  rowDetails?: (item: Item) => ReactNode;
  Form: (props: CatalogFormProps<Item>) => ReactNode;
}

/**
 * A catalog section: the list, with archived entries on request, and for admins the form to
 * create or edit an entry, archive and restore. Changes are announced in a live region.
 */
export function CatalogPage<Item extends CatalogItem>({ title, noun, kind, intro, columns, empty, rowActions, rowDetails, Form }: CatalogPageProps<Item>) {
  const { isAdmin } = useRole();
  const titleId = useId();
  const [includeArchived, setIncludeArchived] = useState(false);
  const { editing, setEditing, newButton } = useEditing<Item>();
  const [announcement, setAnnouncement] = useState('');
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['catalog', kind.key, includeArchived], queryFn: () => kind.list(includeArchived) });
  const archive = useMutation({
    mutationFn: ({ item, archived }: { item: Item; archived: boolean }) => kind.patch(item.id, { archived }),
    onSuccess: (item, { archived }) => {
      setAnnouncement(`${capitalise(noun)} ${item.name} ${archived ? 'archived' : 'restored'}.`);
      return queryClient.invalidateQueries({ queryKey: ['catalog', kind.key] });
    },
  });

  const saved = (item: Item) => {
    setAnnouncement(`${capitalise(noun)} ${item.name} ${editing === 'new' ? 'created' : 'saved'}.`);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: ['catalog', kind.key] });
  };

  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby={titleId} className="catalog">
      <div className="page-title">
        <h1 id={titleId}>{title}</h1>
        {isAdmin && editing === null && (
          <button type="button" ref={newButton} onClick={() => setEditing('new')}>
            New {noun}
          </button>
        )}
      </div>
      <p className="intro">{intro}</p>
      <p role="status" aria-live="polite" className="announcement">
        {announcement}
      </p>
      <ProblemAlert error={archive.error} />
      {isAdmin && editing !== null && <Form editing={editing === 'new' ? null : editing} onSaved={saved} onCancel={() => setEditing(null)} />}
      <div className="field field-inline">
        <input id={`${titleId}-archived`} type="checkbox" checked={includeArchived} onChange={(e) => setIncludeArchived(e.target.checked)} />
        <label htmlFor={`${titleId}-archived`}>Show archived {noun}s</label>
      </div>
      {list.isPending && <p>Loading…</p>}
      {list.isError && <p role="alert">{list.error.message}</p>}
      {list.isSuccess && items.length === 0 && <p className="empty">{isAdmin ? empty.admin : empty.others}</p>}
      {items.length > 0 && (
        <ListTable caption={title} headers={['Name', ...columns.map((c) => c.header), 'Actions']}>
            {items.map((item) => (
              <CatalogRow key={item.id} item={item} columns={columns} details={rowDetails?.(item)}>
                {!item.archivedAt && rowActions?.(item, setAnnouncement)}
                {isAdmin && !item.archivedAt && (
                  <button type="button" aria-label={`Edit ${item.name}`} onClick={() => setEditing(item)}>
                    Edit
                  </button>
                )}
                {isAdmin && (
                  <button
                    type="button"
                    aria-label={`${item.archivedAt ? 'Restore' : 'Archive'} ${item.name}`}
                    disabled={archive.isPending}
                    onClick={() => archive.mutate({ item, archived: !item.archivedAt })}
                  >
                    {item.archivedAt ? 'Restore' : 'Archive'}
                  </button>
                )}
              </CatalogRow>
            ))}
        </ListTable>
      )}
    </section>
  );
}

function CatalogRow<Item extends CatalogItem>({ item, columns, details, children }: { item: Item; columns: CatalogPageProps<Item>['columns']; details: ReactNode; children: ReactNode }) {
  return (
    <>
      <tr>
        <th scope="row">
          {item.name}
          {item.archivedAt && <span className="badge"> archived</span>}
        </th>
        {columns.map((c) => (
          <td key={c.header}>{c.cell(item)}</td>
        ))}
        <td className="actions">{children}</td>
      </tr>
      {details && (
        <tr className="details">
          <td colSpan={columns.length + 2}>{details}</td>
        </tr>
      )}
    </>
  );
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
