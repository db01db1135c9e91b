import { CommanderError } from '@commander-js/extra-typings';

import { describeFailure } from './errors';
import { exitCodes } from './exitCodes';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<number> {
  let code: number = exitCodes.ok;
  const program = buildProgram((wanted) => {
    code = wanted;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    const failure = describeFailure(err);
    process.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}

main(process.argv)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)} (INTERNAL)\n`);
    process.exitCode = exitCodes.refused;
  });
