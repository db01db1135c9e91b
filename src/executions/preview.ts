import { quote } from 'shell-quote';

import { parseParams, toArgv, type ParameterDefinition } from '../jobs/parameters';
import { interpreterWords, type Interpreter } from '../model/execution';

export interface RunPreview {
  interpreter: Interpreter;
  scriptPath: string;
  /** The script's positional arguments, in order, as the host receives them. */
  argv: string[];
  /** The same as one line for reading (each argument quoted for a POSIX shell). */
  commandLine: string;
}

/**
 * What the host would run for these params, validated and normalised exactly as a start is;
 * `nodePath` from the environment when one is chosen.
 */
export function previewRun(
  job: { scriptPath: string; interpreter: Interpreter; parameters: ParameterDefinition[] },
  params: unknown,
  nodePath: string | null,
): RunPreview {
  const argv = toArgv(job.parameters, parseParams(job.parameters, params));
  return {
    interpreter: job.interpreter,
    scriptPath: job.scriptPath,
    argv,
    commandLine: quote([...interpreterWords(job.interpreter, nodePath), job.scriptPath, ...argv]),
  };
}
