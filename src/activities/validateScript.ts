import { quote } from 'shell-quote';

import { MigratorError } from '../errors';
import { runProtocolTools } from '../ssh/checkHost';
import type { SshSession } from '../ssh/connection';
import { execCollect } from '../ssh/exec';
import { bashCommand, interpreterCommand, type RunSpec } from '../ssh/remoteRun';


const exit = { missingTool: 10, scriptMissing: 11, scriptUnreadable: 12, notExecutable: 13, interpreterMissing: 14 };

/**
 * Checks on the host, before anything runs, that the script exists and is readable (executable
 * for `exec` jobs), that the interpreter resolves through the environment's `shellInit`, and
 * that the tools of the run protocol are there.
 */
export async function checkRunnable(conn: SshSession, spec: RunSpec, where: string): Promise<void> {
  const script = quote([spec.scriptPath]);
  const interpreter = interpreterCommand(spec)[0];
  const lines = [
    `for tool in ${runProtocolTools.join(' ')}; do command -v "$tool" >/dev/null 2>&1 || { echo "$tool"; exit ${exit.missingTool}; }; done`,
    `[ -f ${script} ] || exit ${exit.scriptMissing}`,
    `[ -r ${script} ] || exit ${exit.scriptUnreadable}`,
    spec.interpreter === 'exec' ? `[ -x ${script} ] || exit ${exit.notExecutable}` : '',
    interpreter
      ? `( ${spec.shellInit ?? ':'}\n command -v ${quote([interpreter])} ) >/dev/null 2>&1 || exit ${exit.interpreterMissing}`
      : '',
    'exit 0',
  ];
  const result = await execCollect(conn, bashCommand(lines.filter(Boolean).join('\n')));
  switch (result.code) {
    case 0:
      return;
    case exit.missingTool:
      throw new MigratorError(
        'INTERPRETER_NOT_FOUND',
        `${where} lacks \`${result.stdout.trim()}\`, which Migrator needs to run scripts (bash, coreutils, util-linux, procps); install it there.`,
      );
    case exit.scriptMissing:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} does not exist on ${where}; check the job's scriptPath.`);
    case exit.scriptUnreadable:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} on ${where} is not readable by the SSH user.`);
    case exit.notExecutable:
      throw new MigratorError('SCRIPT_NOT_FOUND', `The script ${spec.scriptPath} on ${where} is not executable, as interpreter "exec" requires.`);
    case exit.interpreterMissing:
      throw new MigratorError(
        'INTERPRETER_NOT_FOUND',
        `\`${interpreter}\` is not found on ${where}. Set the environment's nodePath to an absolute path, or its shellInit (e.g. \`. "$HOME/.nvm/nvm.sh"\`).`,
      );
    default:
      if (result.code === null) throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${where} dropped during validation; will retry.`);
      throw new MigratorError('INTERNAL', `Validating the script on ${where} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
}
