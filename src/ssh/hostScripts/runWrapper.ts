import path from 'node:path';

import { interpreterWords, type Interpreter } from '../../model/execution';
import { runDirExpr } from './runDirectory';
import { inSubshellWithInit, shellWord, shellWords } from './shell';

export interface RunSpec {
  executionId: string;
  scriptPath: string;
  interpreter: Interpreter;
  args: string[];
  /** Absolute node binary for `node` jobs; nvm-less hosts need nothing. */
  nodePath: string | null;
  /** Shell code run before the script, e.g. `. "$HOME/.nvm/nvm.sh"`; configured by an admin. */
  shellInit: string | null;
}

/** The words that run the script's interpreter (the vocabulary's rule, with the environment's nodePath). */
export function interpreterCommand(spec: Pick<RunSpec, 'interpreter' | 'nodePath'>): string[] {
  return interpreterWords(spec.interpreter, spec.nodePath);
}

/** The job command line: every argument a quoted word, so params are data, never code. */
export function jobCommandLine(spec: RunSpec): string {
  const words = [...interpreterCommand(spec), spec.scriptPath, ...spec.args];
  return `exec stdbuf -oL -eL ${shellWords(words)}`;
}

/**
 * The detached wrapper of one run: takes the lock, records its start time and pid, runs the
 * job with its output in files, and records the job's exit status, also when signalled.
 */
export function wrapperScript(spec: RunSpec): string {
  const run = runDirExpr(spec.executionId);
  const scriptDir = path.posix.dirname(spec.scriptPath);
  return [
    `run=${run}`,
    'cd "$run" || exit 70',
    ': > stdout; : > stderr',
    // The lock is the liveness signal: held by this wrapper, released by the kernel when it dies.
    // Waited for, since a follower or an inspection may hold it shared for an instant; and taken
    // before `pid` appears, so whoever sees the pid also sees the run alive.
    'exec 9>lock',
    'flock -w 30 9 || exit 72',
    // The pid file outlives this process and its id may be reused: killRun tells the two apart by
    // the start time (field 22 of /proc/<pid>/stat, counted after the command name, which may hold
    // spaces and parentheses). Written before `pid`, so whoever reads a pid finds it.
    '{ stat=$(< "/proc/$$/stat"); } 2>/dev/null && read -r -a stat_fields <<< "${stat##*) }" &&',
    `  printf '%s\\n' "\${stat_fields[19]}" > starttime.tmp && mv starttime.tmp starttime`,
    `printf '%s\\n' "$$" > pid.tmp && mv pid.tmp pid`,
    // Trapped, not ignored, so the job keeps default handling and this wrapper outlives it to record `exit`.
    "trap 'caught=TERM' TERM; trap 'caught=INT' INT; trap 'caught=HUP' HUP",
    'export PYTHONUNBUFFERED=1',
    ...inSubshellWithInit(
      spec.shellInit,
      [`cd ${shellWord(scriptDir)} || exit 127`, jobCommandLine(spec)],
      '</dev/null >"$run/stdout" 2>"$run/stderr" 9>&-',
    ),
    'status=$?',
    `printf '%s\\n' "$status" > exit.tmp && mv exit.tmp exit`,
  ].join('\n');
}
