import { z } from 'zod';

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

const safeString = z
  .string()
  .max(maxParamLength, `must be at most ${maxParamLength} characters`)
  .refine((s) => !s.includes('\0'), 'must not contain a NUL byte');

function valueSchema(def: ParameterDefinition): z.ZodType<string | number | boolean> {
  switch (def.type) {
    case 'string': {
      let schema = safeString;
      if (def.pattern) schema = schema.regex(new RegExp(def.pattern, 'u'), `must match ${def.pattern}`);
      return schema;
    }
    case 'email':
      return z.email().max(320);
    case 'enum':
      return z.enum((def.values ?? []) as [string, ...string[]]);
    case 'boolean':
      return z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
    case 'integer':
    case 'number': {
      let num = def.type === 'integer' ? z.number().int() : z.number();
      if (def.min !== undefined) num = num.min(def.min);
      if (def.max !== undefined) num = num.max(def.max);
      // Numeric strings are accepted only when the conversion loses nothing.
      const pattern = def.type === 'integer' ? /^-?\d{1,15}$/ : /^-?\d{1,15}(\.\d{1,15})?$/;
      return z.union([num, z.string().regex(pattern, `must be ${def.type === 'integer' ? 'an integer' : 'a number'}`).transform(Number).pipe(num)]);
    }
  }
}

/** The zod schema of an execution's `params` object for a job's parameter list. */
export function paramsSchemaFor(defs: ParameterDefinition[]) {
  const shape: Record<string, z.ZodType<string | number | boolean | undefined>> = {};
  for (const def of defs) shape[def.name] = def.required ? valueSchema(def) : valueSchema(def).optional();
  return z.object(shape).strict();
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
