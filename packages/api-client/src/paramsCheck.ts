import { type OutputUnit, Validator } from '@cfworker/json-schema';

/** One property of the JSON Schema `GET /jobs/:id/params-schema` publishes. */
export interface ParamProperty {
  title?: string;
  description?: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

export interface ParamsSchema {
  required?: string[];
  properties: Record<string, ParamProperty>;
  'x-order'?: string[];
}

/** What an operator typed in a form, by parameter: text as typed, booleans as ticked. */
export type FormValues = Record<string, string | boolean>;

/**
 * The server's rule for a job's params (`GET /jobs/:id/params-schema`), checked before a start by
 * an interpreting validator (the console's CSP forbids the eval that compiling validators need),
 * never a copy of it. test/paramsFormAgreement.test.ts holds it to the server's own check.
 */
export function compileParamsSchema(schema: ParamsSchema): (params: Record<string, unknown>) => Record<string, string> {
  const validator = new Validator(schema as object, '2020-12', false);
  return (params) => {
    const result = validator.validate(params);
    return result.valid ? {} : fieldMessages(schema, result.errors);
  };
}

/** A refusal in the words of the schema's own limits; the validator's sentence otherwise. */
function wordsFor(property: ParamProperty | undefined, unit: OutputUnit): string {
  switch (property && unit.keyword) {
    case 'maximum':
      return `must be at most ${property!.maximum}`;
    case 'minimum':
      return `must be at least ${property!.minimum}`;
    case 'type':
      return property!.type === 'integer' ? 'must be a whole number' : `must be a ${property!.type}`;
    case 'format':
      return property!.format === 'email' ? 'must be an email address' : `must be a ${property!.format}`;
    case 'pattern':
      return `must match ${property!.pattern}`;
    case 'enum':
      return `must be one of ${property!.enum?.join(', ')}`;
    case 'maxLength':
      return `must be at most ${property!.maxLength} characters`;
    default:
      return unit.error;
  }
}

function fieldMessages(schema: ParamsSchema, errors: OutputUnit[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const unit of errors) {
    const missing = unit.keyword === 'required' ? /"(.+)"/.exec(unit.error)?.[1] : undefined;
    const field = missing ?? (unit.instanceLocation.startsWith('#/') ? decodeURIComponent(unit.instanceLocation.slice(2).split('/')[0]!) : undefined);
    if (!field || byField[field]) continue;
    byField[field] = missing ? 'is required' : wordsFor(schema.properties[field], unit);
  }
  return byField;
}

/** The parameters in the order the script receives them. */
export function orderedNames(schema: ParamsSchema): string[] {
  return schema['x-order'] ?? Object.keys(schema.properties);
}

/**
 * The params object the API receives: empty fields left out (so a missing required value is
 * named as such), numbers as numbers when they read as one, text otherwise, for the rule to judge.
 */
export function paramsOf(schema: ParamsSchema, values: FormValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of orderedNames(schema)) {
    const property = schema.properties[name];
    // An untouched tick box of a required flag means false, as it shows.
    const value = values[name] ?? (property?.type === 'boolean' && schema.required?.includes(name) ? false : undefined);
    if (!property || value === undefined || value === '') continue;
    if (typeof value === 'boolean') params[name] = value;
    else if (property.type === 'integer' || property.type === 'number') params[name] = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    else params[name] = value;
  }
  return params;
}

/** A start's values as the form shows them (a re-run's params, for one). */
export function valuesOf(params: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const [name, value] of Object.entries(params)) values[name] = typeof value === 'boolean' ? value : String(value);
  return values;
}
