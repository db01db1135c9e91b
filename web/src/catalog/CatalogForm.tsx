import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useId, useRef } from 'react';

import { FormProblemProvider, ProblemAlert } from './fields';

/** Anything with a name the heading can say: catalog entries, schedules, notification targets. */
interface Named {
  name: string;
}

interface CatalogFormProps<Item extends Named> {
  noun: string;
  editing: Item | null;
  /** Sends the form: creates or changes the entry and answers what the server saved. */
  save: () => Promise<Item>;
  onSaved: (item: Item) => void;
  onCancel: () => void;
  children: ReactNode;
}

/**
 * The frame of a create or edit form: its heading, the server's refusal (detail at the top, each
 * field's message at the field), Save and Cancel. Focus moves to the heading when it opens.
 */
export function CatalogForm<Item extends Named>({ noun, editing, save, onSaved, onCancel, children }: CatalogFormProps<Item>) {
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const mutation = useMutation({ mutationFn: save, onSuccess: onSaved });
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  const title = editing ? `Edit ${noun} ${editing.name}` : `New ${noun}`;
  return (
    <form className="catalog-form" aria-labelledby={titleId} onSubmit={submit} noValidate>
      <h2 id={titleId} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <FormProblemProvider error={mutation.error}>
        {children}
        <ProblemAlert error={mutation.error} />
      </FormProblemProvider>
      <div className="form-buttons">
        <button type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? 'Saving…' : editing ? 'Save changes' : `Create ${noun}`}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
