import { maxParamLength, type ParameterDefinition } from './parameters';

/** A JSON Schema (draft 2020-12) of one job's `params`, in the parameters' order. */
export interface ParamsJsonSchema {
  $schema: string;
  type: 'object';
  additionalProperties: false;
  required: string[];
  properties: Record<string, Record<string, unknown>>;
  /** The positional order the script receives them in. */
  'x-order': string[];
}

function propertyOf(def: ParameterDefinition): Record<string, unknown> {
  const base = { title: def.name, ...(def.description ? { description: def.description } : {}) };
  switch (def.type) {
    case 'string':
      return { ...base, type: 'string', maxLength: maxParamLength, ...(def.pattern ? { pattern: def.pattern } : {}) };
    case 'email':
      return { ...base, type: 'string', format: 'email', maxLength: 320 };
    case 'enum':
      return { ...base, type: 'string', enum: def.values ?? [] };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'integer':
    case 'number':
      return {
        ...base,
        type: def.type,
        ...(def.min !== undefined ? { minimum: def.min } : {}),
        ...(def.max !== undefined ? { maximum: def.max } : {}),
      };
  }
}

/**
 * The server's rule for a job's params, delivered: the console checks values as the operator
 * types against it, so it never keeps a copy of the rules. The server still validates every
 * start (src/jobs/parameters.ts); the two are tested to agree.
 */
export function paramsJsonSchema(defs: ParameterDefinition[]): ParamsJsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: defs.filter((d) => d.required).map((d) => d.name),
    properties: Object.fromEntries(defs.map((d) => [d.name, propertyOf(d)])),
    'x-order': defs.map((d) => d.name),
  };
}
