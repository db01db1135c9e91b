import { z } from 'zod';

import { MigratorError } from '../errors';

/** A job's positional parameter, as an admin declares it. */
export const parameterTypes = ['string', 'integer', 'number', 'boolean', 'email', 'enum'] as const;

export const maxParamLength = 4096;
export const maxParameters = 50;

export const parameterDefinitionSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'must start with a letter or _ and use only letters, digits, _ and -'),
    type: z.enum(parameterTypes),
    required: z.boolean().default(true),
    pattern: z.string().min(1).max(500).optional(),
    values: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    description: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((def, ctx) => {
    if (def.type === 'enum' && !def.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum parameter needs its list of values' });
    }
    if (def.pattern !== undefined) {
      try {
        new RegExp(def.pattern, 'u');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'is not a valid regular expression' });
      }
    }
    if (def.min !== undefined && def.max !== undefined && def.min > def.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'must not be greater than max' });
    }
  });

export type ParameterDefinition = z.infer<typeof parameterDefinitionSchema>;

/** The ordered list: unique names, and optional parameters only after every required one. */
export const parameterListSchema = z
  .array(parameterDefinitionSchema)
  .max(maxParameters)
  .superRefine((defs, ctx) => {
    const seen = new Set<string>();
    let optionalSeen = false;
    defs.forEach((def, i) => {
      if (seen.has(def.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate parameter name "${def.name}"` });
      seen.add(def.name);
      if (!def.required) optionalSeen = true;
      else if (optionalSeen) {
        ctx.addIssue({ code: 'custom', path: [i, 'required'], message: 'a required parameter cannot follow an optional one' });
      }
    });
  });

/** How a given value is quoted in a message: JSON, cut short, so the operator sees what they sent. */
export function describeGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

/** What a parameter of this definition takes, in words, for messages and documentation. */
export function expectedOf(def: ParameterDefinition): string {
  switch (def.type) {
    case 'string':
      return def.pattern ? `a string matching /${def.pattern}/` : 'a string';
    case 'email':
      return 'an e-mail address';
    case 'enum':
      return `one of ${(def.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
  }
}

type Checked = { ok: true; value: string | number | boolean } | { ok: false; message: string };

const integerText = /^-?\d{1,15}$/;
const numberText = /^-?\d{1,15}(\.\d{1,15})?$/;
const emailShape = z.email();

function inRange(def: ParameterDefinition, value: number, given: unknown): Checked {
  if (def.min !== undefined && value < def.min) return { ok: false, message: `must be at least ${def.min}, got ${describeGiven(given)}` };
  if (def.max !== undefined && value > def.max) return { ok: false, message: `must be at most ${def.max}, got ${describeGiven(given)}` };
  return { ok: true, value };
}

function checkString(def: ParameterDefinition, raw: unknown, maxLength: number): Checked {
  if (typeof raw !== 'string') return { ok: false, message: `must be ${expectedOf(def)}, got ${describeGiven(raw)}` };
  if ([...raw].length > maxLength) return { ok: false, message: `must be at most ${maxLength} characters, got ${[...raw].length}` };
  if (raw.includes('\0')) return { ok: false, message: 'must not contain a NUL byte' };
  return { ok: true, value: raw };
}

/**
 * Checks one value against its definition and normalises it: numeric strings become numbers
 * (`"0320"` as an integer is 320), `"true"`/`"false"` become booleans; nothing that would lose
 * information is accepted (`"1e2"`, `5.5` for an integer). Every refusal says what was expected
 * and what was given.
 */
export function checkValue(def: ParameterDefinition, raw: unknown): Checked {
  switch (def.type) {
    case 'string': {
      const checked = checkString(def, raw, maxParamLength);
      if (!checked.ok || !def.pattern) return checked;
      return new RegExp(def.pattern, 'u').test(raw as string)
        ? checked
        : { ok: false, message: `must match /${def.pattern}/, got ${describeGiven(raw)}` };
    }
    case 'email': {
      const checked = checkString(def, raw, 320);
      if (!checked.ok) return checked;
      return emailShape.safeParse(raw).success ? checked : { ok: false, message: `must be an e-mail address, got ${describeGiven(raw)}` };
    }
    case 'enum':
      return typeof raw === 'string' && (def.values ?? []).includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, message: `must be ${expectedOf(def)}, got ${describeGiven(raw)}` };
    case 'boolean':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      return { ok: false, message: `must be true or false, got ${describeGiven(raw)}` };
    case 'integer':
    case 'number': {
      const text = def.type === 'integer' ? integerText : numberText;
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && text.test(raw) ? Number(raw) : NaN;
      const whole = def.type === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
      if (!whole) return { ok: false, message: `must be ${expectedOf(def)}, got ${describeGiven(raw)}` };
      return inRange(def, value, raw);
    }
  }
}

function valueSchema(def: ParameterDefinition) {
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) {
      ctx.addIssue({ code: 'custom', message: `is required (${expectedOf(def)})` });
      return z.NEVER;
    }
    const checked = checkValue(def, raw);
    if (checked.ok) return checked.value;
    ctx.addIssue({ code: 'custom', message: checked.message });
    return z.NEVER;
  });
}

/** The zod schema of an execution's `params` object for a job's parameter list. */
export function paramsSchemaFor(defs: ParameterDefinition[]) {
  const shape: Record<string, z.ZodType<string | number | boolean | undefined>> = {};
  // Optional ones short-circuit on undefined before the check, which refuses it for required ones.
  for (const def of defs) shape[def.name] = def.required ? valueSchema(def) : valueSchema(def).optional();
  const names = defs.map((d) => d.name);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `has no parameter ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; the job's parameters are ${names.length ? names.join(', ') : 'none'}`;
      }
      if (issue.code === 'invalid_type') return `must be an object of parameter values by name, got ${describeGiven(issue.input)}`;
      return undefined;
    },
  });
}

/**
 * Validates and normalises an execution's params against the job's parameters; a refusal is
 * VALIDATION_FAILED naming each field as `params.<name>`.
 */
export function parseParams(defs: ParameterDefinition[], params: unknown): ParamValues {
  const parsed = paramsSchemaFor(defs).safeParse(params);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)].join('.'), message: i.message }));
  throw new MigratorError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

export type ParamValues = Record<string, string | number | boolean | undefined>;

/** Positional argv in declared order; omitted optional parameters are left off the end. */
export function toArgv(defs: ParameterDefinition[], params: ParamValues): string[] {
  const argv: string[] = [];
  for (const def of defs) {
    const value = params[def.name];
    if (value === undefined) break;
    argv.push(String(value));
  }
  return argv;
}
