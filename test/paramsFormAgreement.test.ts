import { MigratorError } from '../src/errors';
import { type ParameterDefinition, parseParams } from '../src/jobs/parameters';
import { paramsJsonSchema } from '../src/jobs/paramsJsonSchema';
import { compileParamsSchema, type FormValues, paramsOf, type ParamsSchema } from '@migrator/api-client';

/** The fields the server refuses, by parameter name, or [] when it accepts. */
function serverRefuses(defs: ParameterDefinition[], params: Record<string, unknown>): string[] {
  try {
    parseParams(defs, params);
    return [];
  } catch (err) {
    if (!(err instanceof MigratorError)) throw err;
    return ((err.details as { errors: { path: string }[] }).errors ?? []).map((e) => e.path.replace(/^params\./, '')).sort();
  }
}

const defs = [
  { name: 'mode', type: 'enum', values: ['dry-run', 'apply'], required: true },
  { name: 'batchSize', type: 'integer', min: 1, max: 100, required: true },
  { name: 'ratio', type: 'number', min: 0, max: 1, required: true },
  { name: 'contact', type: 'email', required: true },
  { name: 'ticket', type: 'string', pattern: '^OPS-[0-9]+$', required: true },
  { name: 'force', type: 'boolean', required: true },
  { name: 'note', type: 'string', required: false },
] as ParameterDefinition[];

const good: FormValues = { mode: 'apply', batchSize: '50', ratio: '0.5', contact: 'dana@example.com', ticket: 'OPS-12', force: true };

describe('the Run form’s check and the server’s', () => {
  const schema = paramsJsonSchema(defs) as unknown as ParamsSchema;
  const check = compileParamsSchema(schema);

  test.each<[string, FormValues]>([
    ['good values', good],
    ['an optional value given', { ...good, note: 'rerun after fix' }],
    ['a value above max', { ...good, batchSize: '500' }],
    ['a value below min', { ...good, ratio: '-0.1' }],
    ['a fraction for an integer', { ...good, batchSize: '1.5' }],
    ['text for a number', { ...good, ratio: 'half' }],
    ['a value outside the enum', { ...good, mode: 'delete' }],
    ['a bad email', { ...good, contact: 'dana@' }],
    ['a value off the pattern', { ...good, ticket: 'JIRA-1' }],
    ['a required value missing', { ...good, ticket: '' }],
    ['an untouched required tick box', { ...good, force: undefined as unknown as boolean }],
    ['several bad values', { mode: 'x', batchSize: '0', ratio: '2', contact: 'no', ticket: 'no', force: false }],
  ])('when the form holds %s, then the page refuses exactly the fields the server refuses', (_what, values) => {
    const params = paramsOf(schema, values);
    expect(Object.keys(check(params)).sort()).toEqual(serverRefuses(defs, params));
  });
});
