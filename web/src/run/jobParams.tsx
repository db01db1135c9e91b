import { compileParamsSchema, type FormValues, orderedNames, type ParamsSchema, paramsOf } from '@migrator/api-client';
import { type UseQueryResult, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import { api, unwrap } from '../api/client';
import { ParamField } from './ParamField';

/**
 * A job's parameters as a form asks them: the JSON Schema the server publishes for them, the
 * values typed so far as params, and what the schema refuses in them (the server's rule, run in
 * the page). `checked` is false until the schema has loaded.
 */
export function useJobParams(jobId: string, values: FormValues) {
  const schema = useQuery({
    queryKey: ['jobs', jobId, 'params-schema'],
    queryFn: async () => (await unwrap(api.GET('/api/v1/jobs/{id}/params-schema', { params: { path: { id: jobId } } }))) as unknown as ParamsSchema,
    enabled: jobId !== '',
  });
  const validate = useMemo(() => (schema.data ? compileParamsSchema(schema.data) : undefined), [schema.data]);
  const params = schema.data ? paramsOf(schema.data, values) : {};
  const pageErrors = validate ? validate(params) : {};
  return { schema, params, pageErrors, checked: validate !== undefined };
}

interface FieldsProps {
  jobId: string;
  schema: UseQueryResult<ParamsSchema>;
  values: FormValues;
  errorOf(name: string): string | undefined;
  onChange(name: string, value: string | boolean): void;
  onBlur(name: string): void;
}

/** The job's parameters, in their order, each an input of its type; loading and failure said in words. */
export function ParamFields({ jobId, schema, values, errorOf, onChange, onBlur }: FieldsProps) {
  if (jobId && schema.isPending) return <p>Loading the job’s parameters…</p>;
  if (schema.isError) return <p role="alert">{schema.error.message}</p>;
  if (!schema.data) return null;
  const properties = schema.data.properties;
  const required = new Set(schema.data.required ?? []);
  const names = orderedNames(schema.data);
  return (
    <fieldset>
      <legend>Parameters</legend>
      {names.length === 0 && <p>This job takes no parameters.</p>}
      {names.map((name) => (
        <ParamField
          key={name}
          name={name}
          property={properties[name]!}
          required={required.has(name)}
          value={values[name]}
          error={errorOf(name)}
          onChange={(v) => onChange(name, v)}
          onBlur={() => onBlur(name)}
        />
      ))}
    </fieldset>
  );
}
