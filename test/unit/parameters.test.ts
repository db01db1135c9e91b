import { parameterListSchema, paramsSchemaFor, toArgv, type ParameterDefinition } from '../../src/jobs/parameters';

const defs: ParameterDefinition[] = parameterListSchema.parse([
  { name: 'sistema', type: 'string' },
  { name: 'count', type: 'integer', min: 0 },
  { name: 'dryRun', type: 'boolean' },
  { name: 'patientId', type: 'string', required: false },
]);

describe('job parameters', () => {
  test('when params are valid, then argv follows the declared order and drops trailing omitted optionals', () => {
    const params = paramsSchemaFor(defs).parse({ dryRun: 'false', count: '12', sistema: 'iclinic' });
    expect(toArgv(defs, params)).toEqual(['iclinic', '12', 'false']);
  });

  test('when a value would lose information in coercion, then it is refused', () => {
    expect(paramsSchemaFor(defs).safeParse({ sistema: 'a', count: '1e3', dryRun: true }).success).toBe(false);
    expect(paramsSchemaFor(defs).safeParse({ sistema: 'a', count: 1.5, dryRun: true }).success).toBe(false);
    expect(paramsSchemaFor(defs).safeParse({ sistema: 'a', count: 1, dryRun: 'yes' }).success).toBe(false);
  });

  test('when a string has shell metacharacters, then it is accepted as data; a NUL byte is refused', () => {
    const schema = paramsSchemaFor(defs);
    expect(schema.parse({ sistema: "'; rm -rf ~; '", count: 0, dryRun: true }).sistema).toBe("'; rm -rf ~; '");
    const nul = schema.safeParse({ sistema: 'a\u0000b', count: 0, dryRun: true });
    expect(nul.success).toBe(false);
    expect(nul.error?.issues[0]?.path).toEqual(['sistema']);
  });

  test('when names repeat, then the list is refused naming the duplicate', () => {
    const result = parameterListSchema.safeParse([{ name: 'a', type: 'string' }, { name: 'a', type: 'integer' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([1, 'name']);
  });
});

describe('parameter errors say what was expected and what was given', () => {
  const typed: ParameterDefinition[] = parameterListSchema.parse([
    { name: 'batchSize', type: 'integer', min: 1, max: 500 },
    { name: 'ratio', type: 'number', max: 1 },
    { name: 'mode', type: 'enum', values: ['dry-run', 'apply'] },
    { name: 'notify', type: 'boolean' },
    { name: 'contact', type: 'email' },
    { name: 'tenant', type: 'string', pattern: '^[a-z]+$' },
    { name: 'note', type: 'string', required: false },
  ]);
  const valid = { batchSize: 50, ratio: 0.5, mode: 'apply', notify: true, contact: 'a@b.co', tenant: 'acme' };

  function errorsOf(params: Record<string, unknown>): Record<string, string> {
    const result = paramsSchemaFor(typed).safeParse(params);
    expect(result.success).toBe(false);
    return Object.fromEntries(result.error!.issues.map((i) => [i.path.join('.') || '(params)', i.message]));
  }

  test.each([
    ['batchSize', 'abc', 'must be an integer, got "abc"'],
    ['batchSize', true, 'must be an integer, got true'],
    ['batchSize', 5.5, 'must be an integer, got 5.5'],
    ['batchSize', '1e2', 'must be an integer, got "1e2"'],
    ['batchSize', 0, 'must be at least 1, got 0'],
    ['batchSize', '501', 'must be at most 500, got "501"'],
    ['batchSize', null, 'must be an integer, got null'],
    ['ratio', 'half', 'must be a number, got "half"'],
    ['ratio', 2, 'must be at most 1, got 2'],
    ['mode', 'delete', 'must be one of "dry-run", "apply", got "delete"'],
    ['notify', 'yes', 'must be true or false, got "yes"'],
    ['contact', 'not-an-address', 'must be an e-mail address, got "not-an-address"'],
    ['tenant', 'ACME', 'must match /^[a-z]+$/, got "ACME"'],
    ['tenant', 42, 'must be a string matching /^[a-z]+$/, got 42'],
    ['note', 'x'.repeat(4097), 'must be at most 4096 characters, got 4097'],
  ])('when %s is %p, then the error says: %s', (name, value, message) => {
    expect(errorsOf({ ...valid, [name]: value })[name]).toBe(message);
  });

  test('when required parameters are missing, then each says it is required and what it takes', () => {
    const { batchSize, mode, ...rest } = valid;
    expect(batchSize && mode).toBeTruthy();
    const errors = errorsOf(rest);
    expect(errors.batchSize).toBe('is required (an integer)');
    expect(errors.mode).toBe('is required (one of "dry-run", "apply")');
    expect(errors.note).toBeUndefined();
  });

  test('when an unknown parameter is sent, then the error names it and lists the job’s parameters', () => {
    expect(errorsOf({ ...valid, batchsize: 5 })['(params)']).toBe(
      'has no parameter "batchsize"; the job\'s parameters are batchSize, ratio, mode, notify, contact, tenant, note',
    );
  });

  test('when typed values arrive as text, then they are normalised before they reach argv', () => {
    const params = paramsSchemaFor(typed).parse({ ...valid, batchSize: '0050', ratio: '0.25', notify: 'false' });
    expect(params).toMatchObject({ batchSize: 50, ratio: 0.25, notify: false });
    expect(toArgv(typed, params)).toEqual(['50', '0.25', 'apply', 'false', 'a@b.co', 'acme']);
  });
});
