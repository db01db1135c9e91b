import { MigratorError } from '../errors';
import type { SshSession } from './connection';
import { execCollect } from './exec';
import { readAnswer } from './hostScripts/answer';
import { runnableCheckScript, runnableExit } from './hostScripts/checkScripts';
import { interpreterCommand, type RunSpec } from './hostScripts/runWrapper';
import { firstMissingTool } from './hostScripts/tools';

/**
 * Checks on the host, before anything runs, that the script exists and is readable (executable
 * for `exec` jobs), that the interpreter resolves through the environment's `shellInit`, and
 * that the tools of the run protocol are there; throws the design's code for the first problem.
 */
export async function checkRunnable(conn: SshSession, spec: RunSpec, where: string): Promise<void> {
  const script = runnableCheckScript(spec);
  const result = await execCollect(conn, script.command);
  switch (result.code) {
    case 0:
      return;
    case runnableExit.missingTool:
      throw new MigratorError(
        'INTERPRETER_NOT_FOUND',
        `${where} lacks \`${firstMissingTool(readAnswer(script, result.stdout))}\`, which Migrator needs to run scripts (bash, coreutils, util-linux, procps); install it there.`,
      );
    case runnableExit.scriptMissing:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} does not exist on ${where}; check the job's scriptPath.`);
    case runnableExit.scriptUnreadable:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} on ${where} is not readable by the SSH user.`);
    case runnableExit.notExecutable:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} on ${where} is not executable, as interpreter "exec" requires.`);
    case runnableExit.interpreterMissing:
      throw new MigratorError(
        'INTERPRETER_NOT_FOUND',
        `\`${interpreterCommand(spec)[0]}\` is not found on ${where}. Set the environment's nodePath to an absolute path, or its shellInit (e.g. \`. "$HOME/.nvm/nvm.sh"\`).`,
      );
    default:
      if (result.code === null) throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${where} dropped during validation; will retry.`);
      throw new MigratorError('INTERNAL', `Validating the script on ${where} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
}
