import { CheckboxField, numberOrUndefined, SelectField, TextField } from './fields';
import type { JobParameter } from './catalogApi';

const types = ['string', 'integer', 'number', 'boolean', 'email', 'enum'] as const;
type ParameterType = (typeof types)[number];

/** A parameter as its inputs hold it: text as typed, turned into the API's shape on save. */
export interface ParameterDraft {
  key: number;
  name: string;
  type: ParameterType;
  required: boolean;
  values: string;
  pattern: string;
  min: string;
  max: string;
  description: string;
}

let nextKey = 0;

export function draftOf(p?: JobParameter): ParameterDraft {
  return {
    key: nextKey++,
    name: p?.name ?? '',
    type: p?.type ?? 'string',
    required: p?.required ?? true,
    values: (p?.values ?? []).join('\n'),
    pattern: p?.pattern ?? '',
    min: p?.min === undefined ? '' : String(p.min),
    max: p?.max === undefined ? '' : String(p.max),
    description: p?.description ?? '',
  };
}

/** The API's parameter: only the settings its type shows are sent. */
export function parameterOf(d: ParameterDraft): JobParameter {
  const numeric = d.type === 'integer' || d.type === 'number';
  const values = d.values.split('\n').map((v) => v.trim()).filter((v) => v !== '');
  return {
    name: d.name,
    type: d.type,
    required: d.required,
    ...(d.type === 'enum' ? { values } : {}),
    ...(d.type === 'string' && d.pattern !== '' ? { pattern: d.pattern } : {}),
    ...(numeric && d.min.trim() !== '' ? { min: numberOrUndefined(d.min) } : {}),
    ...(numeric && d.max.trim() !== '' ? { max: numberOrUndefined(d.max) } : {}),
    ...(d.description.trim() !== '' ? { description: d.description } : {}),
  };
}

interface ParameterEditorProps {
  parameters: ParameterDraft[];
  onChange: (parameters: ParameterDraft[]) => void;
}

/** The job's ordered positional parameters: each in its own group, added, removed and moved by buttons. */
export function ParameterEditor({ parameters, onChange }: ParameterEditorProps) {
  const update = (i: number, change: Partial<ParameterDraft>) => onChange(parameters.map((p, j) => (j === i ? { ...p, ...change } : p)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...parameters];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    onChange(next);
  };
  return (
    <fieldset className="parameters">
      <legend>Parameters</legend>
      <p className="hint">Passed to the script as positional arguments, in this order. Optional parameters go after the required ones.</p>
      {parameters.length === 0 && <p>No parameters: the script runs without arguments. Add one if it takes any.</p>}
      <ol>
        {parameters.map((p, i) => (
          <li key={p.key}>
            <ParameterFields index={i} draft={p} onChange={(change) => update(i, change)} />
            <div className="parameter-buttons">
              <button type="button" aria-label={`Move up parameter ${i + 1}`} disabled={i === 0} onClick={() => move(i, -1)}>
                Move up
              </button>
              <button type="button" aria-label={`Move down parameter ${i + 1}`} disabled={i === parameters.length - 1} onClick={() => move(i, 1)}>
                Move down
              </button>
              <button type="button" aria-label={`Remove parameter ${i + 1}`} onClick={() => onChange(parameters.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => onChange([...parameters, draftOf()])}>
        Add parameter
      </button>
    </fieldset>
  );
}

function ParameterFields({ index, draft, onChange }: { index: number; draft: ParameterDraft; onChange: (change: Partial<ParameterDraft>) => void }) {
  const path = (field: string) => `parameters.${index}.${field}`;
  const numeric = draft.type === 'integer' || draft.type === 'number';
  return (
    <fieldset className="parameter">
      <legend>Parameter {index + 1}</legend>
      <TextField label="Name" path={path('name')} value={draft.name} onChange={(name) => onChange({ name })} required />
      <SelectField label="Type" path={path('type')} value={draft.type} options={types.map((t) => ({ value: t, label: t }))} onChange={(type) => onChange({ type })} />
      <CheckboxField label="Required" path={path('required')} checked={draft.required} onChange={(required) => onChange({ required })} />
      {draft.type === 'enum' && (
        <TextField label="Values" path={path('values')} value={draft.values} onChange={(values) => onChange({ values })} multiline hint="One value a line." />
      )}
      {draft.type === 'string' && (
        <TextField label="Pattern" path={path('pattern')} value={draft.pattern} onChange={(pattern) => onChange({ pattern })} hint="A regular expression the value must match (optional)." />
      )}
      {numeric && (
        <>
          <TextField label="Minimum" type="number" path={path('min')} value={draft.min} onChange={(min) => onChange({ min })} />
          <TextField label="Maximum" type="number" path={path('max')} value={draft.max} onChange={(max) => onChange({ max })} />
        </>
      )}
      <TextField label="Description" path={path('description')} value={draft.description} onChange={(description) => onChange({ description })} />
    </fieldset>
  );
}
