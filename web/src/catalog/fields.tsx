import { createContext, type ReactNode, useContext, useId } from 'react';

import { ProblemError } from '../api/client';

/** The server's last refusal of the form around a field: each field shows the `errors[]` entries naming its path. */
const FormProblemContext = createContext<ProblemError | null>(null);

export function FormProblemProvider({ error, children }: { error: unknown; children: ReactNode }) {
  return <FormProblemContext.Provider value={error instanceof ProblemError ? error : null}>{children}</FormProblemContext.Provider>;
}

/** The server's message for a path of the form's body, if its last refusal named it. */
export function useFieldError(path: string): string | undefined {
  const problem = useContext(FormProblemContext);
  const messages = problem?.fieldErrors.filter((e) => e.path === path).map((e) => e.message);
  return messages && messages.length > 0 ? messages.join('; ') : undefined;
}

interface FrameProps {
  label: string;
  /** The field's path in the request body, as the server names it in `errors[]`. */
  path: string;
  hint?: string;
  /** Label after the control, as checkboxes read. */
  labelAfter?: boolean;
  children: (control: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

/** A labelled control with its hint and the server's message for its path. */
function FieldFrame({ label, path, hint, labelAfter, children }: FrameProps) {
  const id = useId();
  const error = useFieldError(path);
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const labelElement = <label htmlFor={id}>{label}</label>;
  return (
    <div className={labelAfter ? 'field field-inline' : 'field'}>
      {!labelAfter && labelElement}
      {children({ id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined })}
      {labelAfter && labelElement}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

interface TextFieldProps {
  label: string;
  path: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  type?: 'text' | 'number' | 'datetime-local';
  required?: boolean;
  multiline?: boolean;
  autoComplete?: string;
}

export function TextField({ label, path, value, onChange, hint, type = 'text', required, multiline, autoComplete = 'off' }: TextFieldProps) {
  return (
    <FieldFrame label={label} path={path} hint={hint}>
      {(control) =>
        multiline ? (
          <textarea {...control} rows={3} value={value} required={required} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input {...control} type={type} value={value} required={required} autoComplete={autoComplete} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </FieldFrame>
  );
}

export function CheckboxField({ label, path, checked, onChange, hint }: { label: string; path: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  return (
    <FieldFrame label={label} path={path} hint={hint} labelAfter>
      {(control) => <input {...control} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />}
    </FieldFrame>
  );
}

interface SelectFieldProps<V extends string> {
  label: string;
  path: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (value: V) => void;
  hint?: string;
}

export function SelectField<V extends string>({ label, path, value, options, onChange, hint }: SelectFieldProps<V>) {
  return (
    <FieldFrame label={label} path={path} hint={hint}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.target.value as V)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

/** The server's words for a refusal, as is; the fields show the parts that name them. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const detail = error instanceof ProblemError ? error.detail : 'The server could not be reached; check your connection and try again.';
  return (
    <p role="alert" className="error">
      {detail}
    </p>
  );
}

/** `''` as absent (the API's default or null), anything else as the number typed (the server judges it). */
export function numberOrUndefined(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

export function textOrNull(text: string): string | null {
  return text.trim() === '' ? null : text;
}
