import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

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

/** What the operator typed, by parameter: text as typed, booleans as ticked. */
export type FormValues = Record<string, string | boolean>;

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

/** The server's rule for a job's params, compiled in the browser (never a copy of it). */
export function compileParamsSchema(schema: ParamsSchema): (params: Record<string, unknown>) => Record<string, string> {
  const validate = ajv.compile(schema);
  return (params) => {
    if (validate(params)) return {};
    return fieldMessages(validate.errors ?? []);
  };
}

function fieldMessages(errors: ErrorObject[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const field = error.keyword === 'required' ? String((error.params as { missingProperty: string }).missingProperty) : error.instancePath.split('/')[1];
    if (!field || byField[field]) continue;
    byField[field] = error.keyword === 'required' ? 'is required' : (error.message ?? 'is not valid');
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
    const value = values[name];
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
