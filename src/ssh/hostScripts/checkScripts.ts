import { answerFunction, answeringScript, type AnsweringScript } from './answer';
import { interpreterCommand, type RunSpec } from './runWrapper';
import { inSubshellWithInit, shellWord } from './shell';
import { toolPresenceLines } from './tools';

/** The parts of an environment that decide how `node` is found there. */
export interface NodeSetup {
  nodePath: string | null;
  shellInit: string | null;
}

/**
 * Answers the run protocol's tools (`tool.<name>`) and how node resolves through the
 * environment's shellInit and nodePath: `node.found` 0, or `node.command`, `node.exit` and
 * `node.version`. Node's are the last fields, stated after shellInit ran.
 */
export function hostProbeScript(setup: NodeSetup): AnsweringScript {
  const node = interpreterCommand({ interpreter: 'node', nodePath: setup.nodePath })[0]!;
  return answeringScript([
    ...toolPresenceLines,
    // As in the run wrapper, so shellInit's exports reach node and nothing else.
    ...inSubshellWithInit(setup.shellInit, [
      `cmd=$(command -v ${shellWord(node)}) || { ${answerFunction} node.found 0; exit 0; }`,
      `${answerFunction} node.command "$cmd"`,
      'version=$("$cmd" --version </dev/null)',
      `${answerFunction} node.exit "$?"`,
      `${answerFunction} node.version "$version"`,
    ]),
    'exit 0',
  ]);
}

/** Exit statuses of `runnableCheckScript`, one per reason a run cannot start. */
export const runnableExit = { missingTool: 10, scriptMissing: 11, scriptUnreadable: 12, notExecutable: 13, interpreterMissing: 14 } as const;

/**
 * Checks, before anything runs, that the run protocol's tools are there, that the script
 * exists and is readable (executable for `exec` jobs), and that the interpreter resolves
 * through the environment's shellInit. Exits 0, or with the `runnableExit` of the first problem.
 */
export function runnableCheckScript(spec: RunSpec): AnsweringScript {
  const script = shellWord(spec.scriptPath);
  const interpreter = interpreterCommand(spec)[0];
  return answeringScript([
    ...toolPresenceLines,
    `[ -z "$missing_tool" ] || exit ${runnableExit.missingTool}`,
    `[ -f ${script} ] || exit ${runnableExit.scriptMissing}`,
    `[ -r ${script} ] || exit ${runnableExit.scriptUnreadable}`,
    ...(spec.interpreter === 'exec' ? [`[ -x ${script} ] || exit ${runnableExit.notExecutable}`] : []),
    ...(interpreter
      ? [...inSubshellWithInit(spec.shellInit, [`command -v ${shellWord(interpreter)}`], '>/dev/null 2>&1'), `[ $? -eq 0 ] || exit ${runnableExit.interpreterMissing}`]
      : []),
    'exit 0',
  ]);
}
