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
