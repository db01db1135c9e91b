import { createHash } from 'node:crypto';
import path from 'node:path';

import { quote } from 'shell-quote';
import type { ClientChannel } from 'ssh2';

import { MigratorError } from '../errors';
import type { Interpreter, OutputStream } from '../model/execution';
import type { SshSession } from './connection';
import { execCollect, openChannel } from './exec';

/**
 * The remote run protocol of the design: a detached wrapper per execution in
 * `~/.migrator/runs/<executionId>/`, uploaded over stdin and started at most once (`mkdir
 * started`), holding `flock` on `lock` while the job runs, writing `starttime`, `pid` and `exit`
 * atomically, its output in two files that any number of attach attempts can tail from a byte
 * offset.
 */


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


export interface RunState {
  /** `mkdir started` happened: the script must never be started again. */
  started: boolean;
  pid: number | null;
  /** The wrapper still holds its lock: the job is running. */
  alive: boolean;
  exitCode: number | null;
}

/** Where every run directory of a host lives (expanded by the remote shell; quote it). */
export const runsRoot = '$HOME/.migrator/runs';

export function runDirExpr(executionId: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(executionId)) {
    throw new MigratorError('VALIDATION_FAILED', `Execution id ${JSON.stringify(executionId)} is not a safe directory name.`);
  }
  return `"${runsRoot}/${executionId}"`;
}

/** Wraps a bash script so it runs the same whatever the remote user's login shell is. */
export function bashCommand(script: string): string {
  return `bash -c ${quote([script])}`;
}

export function interpreterCommand(spec: Pick<RunSpec, 'interpreter' | 'nodePath'>): string[] {
  switch (spec.interpreter) {
    case 'node':
      return [spec.nodePath ?? 'node'];
    case 'bash':
      return ['bash'];
    case 'python3':
      return ['python3'];
    case 'exec':
      return [];
  }
}

/** The job command line: every argument a quoted word, so params are data, never code. */
export function jobCommandLine(spec: RunSpec): string {
  const words = [...interpreterCommand(spec), spec.scriptPath, ...spec.args];
  return `exec stdbuf -oL -eL ${quote(words)}`;
}

function wrapperScript(spec: RunSpec): string {
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
    '(',
    spec.shellInit ?? ':',
    `cd ${quote([scriptDir])} || exit 127`,
    jobCommandLine(spec),
    ') </dev/null >"$run/stdout" 2>"$run/stderr" 9>&-',
    'status=$?',
    `printf '%s\\n' "$status" > exit.tmp && mv exit.tmp exit`,
  ].join('\n');
}

const stateLines = [
  '[ -s "$run/pid" ] && echo "pid=$(cat "$run/pid")"',
  '[ -e "$run/lock" ] && { flock -s -n "$run/lock" true && echo alive=0 || echo alive=1; }',
  '[ -s "$run/exit" ] && echo "exit=$(cat "$run/exit")"',
];

function parseState(stdout: string): RunState {
  const fields = new Map(
    stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const int = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null);
  return {
    started: fields.get('started') === '1',
    pid: int(fields.get('pid')),
    alive: fields.get('alive') === '1',
    exitCode: int(fields.get('exit')),
  };
}

/** Exit status of a start whose upload reached the host short or altered; nothing was started. */
const uploadRejected = 71;

/**
 * Starts the job detached unless this execution was ever started before, in one round trip,
 * and reports the run's state either way. `startedNow` is false when an earlier attempt
 * started it: the caller re-attaches. The pid is also the job's process group id.
 *
 * The wrapper, with the job's arguments quoted once in it, travels on the channel's stdin: in
 * the command line it would be quoted a second time, and hostile parameters then outgrow Linux's
 * 128 KiB limit on one argument. The host keeps it in a file of this attempt's own and checks
 * its length and sha256 before `mkdir started`, so an upload cut short by a dropped connection
 * (or eaten by a login file that reads stdin) starts nothing and leaves the start to a retry.
 */
export async function ensureStarted(conn: SshSession, spec: RunSpec): Promise<RunState & { startedNow: boolean }> {
  const wrapper = Buffer.from(wrapperScript(spec), 'utf8');
  const sha256 = createHash('sha256').update(wrapper).digest('hex');
  const script = [
    `run=${runDirExpr(spec.executionId)}`,
    'mkdir -p "$run" || exit 70',
    // Started before: the upload is not read (sshd discards it) and the state says the rest.
    'if [ ! -d "$run/started" ]; then',
    '  upload=$(mktemp "$run/wrapper.sh.XXXXXX") || exit 70',
    `  head -c ${wrapper.length} > "$upload"`,
    `  if [ "$(wc -c < "$upload")" -ne ${wrapper.length} ] || [ "$(sha256sum < "$upload")" != "${sha256}  -" ]; then`,
    `    rm -f "$upload"; exit ${uploadRejected}`,
    '  fi',
    '  if mkdir "$run/started" 2>/dev/null; then',
    '    mv -f "$upload" "$run/wrapper.sh" || exit 70',
    // All three fds redirected, or the SSH channel would stay open for as long as the job runs.
    '    setsid bash "$run/wrapper.sh" </dev/null >/dev/null 2>&1 &',
    '    for i in $(seq 1 200); do [ -s "$run/pid" ] && break; sleep 0.05; done',
    '    echo fresh=1',
    '  else',
    '    rm -f "$upload"',
    '  fi',
    'fi',
    'echo started=1',
    ...stateLines,
    'exit 0',
  ].join('\n');
  const result = await execCollect(conn, bashCommand(script), { input: wrapper });
  if (result.code === uploadRejected) {
    throw new MigratorError(
      'SSH_UNREACHABLE',
      `The run's wrapper (${wrapper.length} bytes) reached the host short or altered, so nothing was started; will retry. ` +
        "If this repeats, something in the SSH user's login files reads stdin.",
    );
  }
  if (result.code !== 0) throw channelFailure(result.code, `start the run (${result.stderr.trim() || 'no output'})`);
  return { ...parseState(result.stdout), startedNow: /^fresh=1$/m.test(result.stdout) };
}

/** Reads what the host knows of a run: started, pid, alive (lock held), recorded exit status. */
export async function inspectRun(conn: SshSession, executionId: string): Promise<RunState> {
  const script = [
    `run=${runDirExpr(executionId)}`,
    '[ -d "$run/started" ] && echo started=1',
    ...stateLines,
    'exit 0',
  ].join('\n');
  const result = await execCollect(conn, bashCommand(script));
  if (result.code !== 0) throw channelFailure(result.code, 'inspect the run directory');
  return parseState(result.stdout);
}

/** A follower's exit status when no run recorded its pid in time. */
export const followerFoundNoRun = 75;

/**
 * Follows one output file from a byte offset until the run ends, as raw bytes on the channel.
 * The end comes from the lock: `tail --pid` watches a `flock` child of this shell, which bash
 * reaps at once. (Watching the orphaned wrapper itself fails: it can stay a zombie for seconds,
 * and zombies look alive.) tail reads the file a last time before exiting, so nothing is lost.
 *
 * Stopping early only needs the channel closed: tail notices its output pipe close and exits
 * (coreutils >= 8.28), so sshd frees the session, one of the connection's `MaxSessions`, at
 * once rather than when the run ends. (sshd's `signal` request is no help: it refuses it for
 * root logins.)
 */
export function followOutput(conn: SshSession, executionId: string, stream: OutputStream, offset: number): Promise<ClientChannel> {
  const command = [
    `run=${runDirExpr(executionId)}`,
    // Opened alongside the start: the wrapper takes the lock before it writes `pid`, and empties
    // the output files before both, so once `pid` is there the lock means the run. As long as
    // the wrapper may wait for its lock (30 s), and a little more.
    'for i in $(seq 1 700); do [ -s "$run/pid" ] && break; sleep 0.05; done',
    `[ -s "$run/pid" ] || exit ${followerFoundNoRun}`,
    'flock -s "$run/lock" true </dev/null >/dev/null 2>&1 & locker=$!',
    `tail -c +${offset + 1} -s 0.2 -F --pid="$locker" "$run/${stream}" 2>/dev/null`,
    'exit 0',
  ].join('\n');
  return openChannel(conn, bashCommand(command));
}

/** Stops a follower before the run ended (detach, or a failed write); the run itself goes on. */
export function stopFollowing(channel: ClientChannel): void {
  channel.close();
}

/**
 * Kills the run's process group (its pid is the group id): TERM, up to `graceSeconds` for the
 * job to end, then KILL. Resolves only when no live (non-zombie) process is left of it. One
 * round trip; a run that never started or already ended is `killed: false`.
 *
 * The `pid` file outlives the wrapper, and its id may since belong to someone else. So only
 * processes of the group that started at or after the wrapper's recorded start time are
 * signalled, one by one — the job, and its orphans if the wrapper died — and nothing at all when
 * the group's leader is alive with another start time (the id was reused). Runs started before
 * start times were recorded have none; their group is signalled whole, as it was then.
 */
export async function killRun(conn: SshSession, executionId: string, graceSeconds: number): Promise<{ killed: boolean }> {
  const script = [
    `run=${runDirExpr(executionId)}`,
    'pg=$(cat "$run/pid" 2>/dev/null)',
    'case "$pg" in ""|*[!0-9]*) echo gone; exit 0;; esac',
    'since=$(cat "$run/starttime" 2>/dev/null)',
    'case "$since" in *[!0-9]*) since=;; esac',
    'starttime() { local stat fields; { stat=$(< "/proc/$1/stat"); } 2>/dev/null || return 1; read -r -a fields <<< "${stat##*) }"; echo "${fields[19]}"; }',
    'if [ -n "$since" ] && leader=$(starttime "$pg") && [ "$leader" != "$since" ]; then echo reused; exit 0; fi',
    'members() {',
    `  ps -e -o pid=,pgid=,stat= | awk -v pg="$pg" '$2 == pg && $3 !~ /^Z/ { print $1 }' | while read -r pid; do`,
    '    if [ -z "$since" ]; then echo "$pid"; elif t=$(starttime "$pid") && [ "$t" -ge "$since" ]; then echo "$pid"; fi',
    '  done',
    '}',
    'signal() { if [ -n "$since" ]; then kill -"$1" $pids; else kill -"$1" -- "-$pg"; fi 2>/dev/null; }',
    'pids=$(members)',
    '[ -n "$pids" ] || { echo gone; exit 0; }',
    'signal TERM',
    `for i in $(seq 1 ${Math.max(1, graceSeconds * 10)}); do pids=$(members); [ -n "$pids" ] || { echo terminated; exit 0; }; sleep 0.1; done`,
    // Again on every round: a process the job forked meanwhile is a member too.
    'for i in $(seq 1 100); do pids=$(members); [ -n "$pids" ] || { echo killed; exit 0; }; signal KILL; sleep 0.1; done',
    'echo survived; exit 1',
  ].join('\n');
  const result = await execCollect(conn, bashCommand(script));
  if (result.code !== 0) {
    throw new MigratorError(
      'INTERNAL',
      `Processes of run ${executionId} are still alive after KILL (${result.stdout.trim()}); check the host.`,
    );
  }
  return { killed: ['terminated', 'killed'].includes(result.stdout.trim()) };
}

/**
 * Called once every byte is stored: reads the exit status and removes the output files. The
 * `started` guard and `exit` stay as a tombstone (a few bytes) so that no later attempt can ever
 * start the script again; the retention sweep removes tombstones.
 */
export async function finishRun(conn: SshSession, executionId: string): Promise<RunState> {
  const script = [
    `run=${runDirExpr(executionId)}`,
    '[ -d "$run/started" ] && echo started=1',
    ...stateLines,
    // With the output goes any upload a dropped start left behind.
    '[ -s "$run/exit" ] && rm -f "$run/stdout" "$run/stderr" "$run/wrapper.sh" "$run"/wrapper.sh.* "$run/starttime" "$run/pid" "$run/lock"',
    'exit 0',
  ].join('\n');
  const result = await execCollect(conn, bashCommand(script));
  if (result.code !== 0) throw channelFailure(result.code, 'read the exit status');
  return parseState(result.stdout);
}

function channelFailure(code: number | null, what: string): MigratorError {
  if (code === null) {
    return new MigratorError('SSH_UNREACHABLE', `The SSH connection dropped while trying to ${what}; will retry.`);
  }
  return new MigratorError('INTERNAL', `Could not ${what} on the host (exit ${code}).`);
}
