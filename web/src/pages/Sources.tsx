import type { Source } from '@migrator/api-client';
import { useState } from 'react';

import { CatalogForm } from '../catalog/CatalogForm';
import { CatalogPage, type CatalogFormProps } from '../catalog/CatalogPage';
import { sources } from '../catalog/catalogApi';
import { TextField, textOrNull } from '../catalog/fields';

/** Migration sources: the systems data comes from. */
export function Sources() {
  return (
    <CatalogPage
      title="Sources"
      noun="source"
      kind={sources}
      intro="A source is the system a migration takes data from (for example iclinic); every job belongs to one."
      columns={[
        { header: 'System', cell: (s) => s.system },
        { header: 'Description', cell: (s) => s.description ?? '' },
      ]}
      empty={{ admin: 'No sources yet. Create one with “New source”, then add jobs to it on the Jobs page.', others: 'No sources yet. An admin creates them.' }}
      Form={SourceForm}
    />
  );
}

function SourceForm({ editing, onSaved, onCancel }: CatalogFormProps<Source>) {
  const [name, setName] = useState(editing?.name ?? '');
  const [system, setSystem] = useState(editing?.system ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const save = () => {
    const body = { name, system, description: textOrNull(description) };
    return editing ? sources.patch(editing.id, body) : sources.create(body);
  };
  return (
    <CatalogForm noun="source" editing={editing} save={save} onSaved={onSaved} onCancel={onCancel}>
      <TextField label="Name" path="name" value={name} onChange={setName} required />
      <TextField label="System" path="system" value={system} onChange={setSystem} required hint="The system the data comes from, e.g. iclinic." />
      <TextField label="Description" path="description" value={description} onChange={setDescription} multiline />
    </CatalogForm>
  );
}
