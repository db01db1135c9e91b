import type { Job } from '@migrator/api-client';

import { usageError } from './errors';

type Parameter = Job['parameters'][number];

/** `<a> <b> [<c>]`: the job's parameters in order, optional ones in brackets. */
export function describeParameters(parameters: Parameter[]): string {
  if (parameters.length === 0) return '(no parameters)';
  return parameters.map((p) => (p.required ? `<${p.name}>` : `[<${p.name}>]`)).join(' ');
}

/**
 * The params of a start, as the old command line took them: positional arguments onto the job's
 * parameters in order (optional ones, always last, may be left out), and `name=value` pairs by
 * name. Values stay strings: the server checks and normalises them against the job's types.
 */
export function mapParams(job: Pick<Job, 'name' | 'parameters'>, positional: string[], named: string[]): Record<string, string> {
  const usage = `job ${job.name} takes ${describeParameters(job.parameters)}`;
  if (positional.length > job.parameters.length) {
    throw usageError(`too many arguments: ${positional.length} given, ${usage}`);
  }
  const params: Record<string, string> = {};
  positional.forEach((value, index) => {
    params[job.parameters[index]!.name] = value;
  });
  for (const pair of named) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw usageError(`--param expects name=value, got ${JSON.stringify(pair)}; ${usage}`);
    const name = pair.slice(0, equals);
    if (!job.parameters.some((p) => p.name === name)) throw usageError(`job ${job.name} has no parameter ${JSON.stringify(name)}; it takes ${describeParameters(job.parameters)}`);
    if (name in params) throw usageError(`parameter ${name} is given twice`);
    params[name] = pair.slice(equals + 1);
  }
  const missing = job.parameters.filter((p) => p.required && !(p.name in params)).map((p) => p.name);
  if (missing.length) throw usageError(`too few arguments: missing ${missing.join(', ')}; ${usage}`);
  return params;
}
