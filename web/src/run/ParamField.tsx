import type { FormValues, ParamProperty } from '@migrator/api-client';

interface Props {
  name: string;
  property: ParamProperty;
  required: boolean;
  value: FormValues[string] | undefined;
  error: string | undefined;
  onChange(value: string | boolean): void;
  onBlur(): void;
}

/** One parameter of the Run form, its input chosen by its type in the server's schema. */
export function ParamField({ name, property, required, value, error, onChange, onBlur }: Props) {
  const id = `param-${name}`;
  const limits = [
    property.type !== 'string' && property.type !== 'boolean' ? property.type : '',
    property.format ?? '',
    property.minimum !== undefined ? `at least ${property.minimum}` : '',
    property.maximum !== undefined ? `at most ${property.maximum}` : '',
    property.pattern ? `matching ${property.pattern}` : '',
  ].filter(Boolean);
  const help = [property.description, limits.join(', ')].filter(Boolean).join(' — ');
  const described = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, onBlur, 'aria-invalid': error ? true : undefined, 'aria-describedby': described, 'aria-required': required || undefined };
  const text = typeof value === 'string' ? value : '';

  let input;
  if (property.type === 'boolean') {
    input = <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (property.enum) {
    input = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">{required ? 'Choose…' : '(none)'}</option>
        {property.enum.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  } else if (property.type === 'integer' || property.type === 'number') {
    input = <input {...common} type="text" inputMode={property.type === 'integer' ? 'numeric' : 'decimal'} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    input = <input {...common} type={property.format === 'email' ? 'email' : 'text'} value={text} onChange={(e) => onChange(e.target.value)} />;
  }

  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {name}
        {required ? '' : ' (optional)'}
      </label>
      {input}
      {help && (
        <p id={`${id}-help`} className="help">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {name}: {error}
        </p>
      )}
    </div>
  );
}
