import type { OutputStream } from '../../model/execution';
import { answerFunction, answeringScript, type AnsweringScript } from './answer';
import { runDirExpr, runStateLines } from './runDirectory';
import { bashCommand } from './shell';

/** Exit status of a start whose upload reached the host short or altered; nothing was started. */
export const uploadRejected = 71;

/** A follower's exit status when no run recorded its pid in time. */
export const followerFoundNoRun = 75;

/**
 * Takes the uploaded wrapper from stdin unless the run was started before, checks its length
 * and sha256, and only then takes the guard (`mkdir started`) and starts it detached. Answers
 * `fresh` when this call started it, then the run's state either way.
 */
export function startScript(executionId: string, wrapper: { length: number; sha256: string }): AnsweringScript {
  return answeringScript([
    `run=${runDirExpr(executionId)}`,
    'mkdir -p "$run" || exit 70',
    // Started before: the upload is not read (sshd discards it) and the state says the rest.
    'if [ ! -d "$run/started" ]; then',
    '  upload=$(mktemp "$run/wrapper.sh.XXXXXX") || exit 70',
    `  head -c ${wrapper.length} > "$upload"`,
    `  if [ "$(wc -c < "$upload")" -ne ${wrapper.length} ] || [ "$(sha256sum < "$upload")" != "${wrapper.sha256}  -" ]; then`,
    `    rm -f "$upload"; exit ${uploadRejected}`,
    '  fi',
    '  if mkdir "$run/started" 2>/dev/null; then',
    '    mv -f "$upload" "$run/wrapper.sh" || exit 70',
    // All three fds redirected, or the SSH channel would stay open for as long as the job runs.
    '    setsid bash "$run/wrapper.sh" </dev/null >/dev/null 2>&1 &',
    `    ${answerFunction} fresh 1`,
    '  else',
    '    rm -f "$upload"',
    '  fi',
    'fi',
    // The wrapper writes its pid a moment after the start: whoever started it, this attempt or
    // one that won the race to `mkdir` a moment before, waits for it, so both see the process.
    'if [ -d "$run/started" ]; then for i in $(seq 1 200); do [ -s "$run/pid" ] && break; sleep 0.05; done; fi',
    ...runStateLines,
    'exit 0',
  ]);
}

/** Answers the run's state and changes nothing. */
export function inspectScript(executionId: string): AnsweringScript {
  return answeringScript([`run=${runDirExpr(executionId)}`, ...runStateLines, 'exit 0']);
}

/**
 * Streams both output files from their byte offsets until the run ends, as raw bytes on one
 * channel (no answer): the job's stdout on the channel's stdout, its stderr on the channel's
 * stderr, one `tail` per file. Each stream opens with `start` on a line of its own, so that
 * whatever the host's login files print before this runs is told apart and dropped.
 * The end comes from the lock: `tail --pid` watches a `flock` child of this shell, which bash
 * reaps at once. (Watching the orphaned wrapper itself fails: it can stay a zombie for seconds,
 * and zombies look alive.) tail reads the file a last time before exiting, so nothing is lost.
 */
export function followCommand(executionId: string, offsets: Record<OutputStream, number>, start: string): string {
  const tail = (stream: OutputStream) => `tail -c +${offsets[stream] + 1} -s 0.2 -F --pid="$locker" "$run/${stream}"`;
  return bashCommand(
    [
      `run=${runDirExpr(executionId)}`,
      // Opened alongside the start: the wrapper takes the lock before it writes `pid`, and empties
      // the output files before both, so once `pid` is there the lock means the run. As long as
      // the wrapper may wait for its lock (30 s), and a little more.
      'for i in $(seq 1 700); do [ -s "$run/pid" ] && break; sleep 0.05; done',
      `[ -s "$run/pid" ] || exit ${followerFoundNoRun}`,
      'flock -s "$run/lock" true </dev/null >/dev/null 2>&1 & locker=$!',
      `printf '%s\\n' ${start}; printf '%s\\n' ${start} >&2`,
      // The stderr tail's own complaints go nowhere, its output to the channel's stderr.
      `${tail('stdout')} 2>/dev/null & out=$!`,
      `${tail('stderr')} >&2 2>/dev/null & err=$!`,
      // A closed channel ends both: each tail notices its reader gone at its next poll.
      'wait "$out" "$err"',
      'exit 0',
    ].join('\n'),
  );
}

/**
 * TERM to the run's process group, up to `graceSeconds` for it to end, then KILL, until no live
 * (non-zombie) process of it is left. Answers `outcome`: `gone` (nothing to kill), `reused` (the
 * pid belongs to someone else now), `terminated`, `killed`, or `survived` (exit 1).
 *
 * Only processes of the group that started at or after the wrapper's recorded start time are
 * signalled, one by one, and nothing at all when the group's leader is alive with another start
 * time. Runs started before start times were recorded have none; their group is signalled whole.
 */
export function killScript(executionId: string, graceSeconds: number): AnsweringScript {
  const outcome = (word: string, status = 0) => `{ ${answerFunction} outcome ${word}; exit ${status}; }`;
  return answeringScript([
    `run=${runDirExpr(executionId)}`,
    'pg=$(cat "$run/pid" 2>/dev/null)',
    `case "$pg" in ""|*[!0-9]*) ${outcome('gone')};; esac`,
    'since=$(cat "$run/starttime" 2>/dev/null)',
    'case "$since" in *[!0-9]*) since=;; esac',
    'starttime() { local stat fields; { stat=$(< "/proc/$1/stat"); } 2>/dev/null || return 1; read -r -a fields <<< "${stat##*) }"; echo "${fields[19]}"; }',
    `if [ -n "$since" ] && leader=$(starttime "$pg") && [ "$leader" != "$since" ]; then ${outcome('reused')}; fi`,
    'members() {',
    `  ps -e -o pid=,pgid=,stat= | awk -v pg="$pg" '$2 == pg && $3 !~ /^Z/ { print $1 }' | while read -r pid; do`,
    '    if [ -z "$since" ]; then echo "$pid"; elif t=$(starttime "$pid") && [ "$t" -ge "$since" ]; then echo "$pid"; fi',
    '  done',
    '}',
    'signal() { if [ -n "$since" ]; then kill -"$1" $pids; else kill -"$1" -- "-$pg"; fi 2>/dev/null; }',
    'pids=$(members)',
    `[ -n "$pids" ] || ${outcome('gone')}`,
    'signal TERM',
    `for i in $(seq 1 ${Math.max(1, graceSeconds * 10)}); do pids=$(members); [ -n "$pids" ] || ${outcome('terminated')}; sleep 0.1; done`,
    // Again on every round: a process the job forked meanwhile is a member too.
    `for i in $(seq 1 100); do pids=$(members); [ -n "$pids" ] || ${outcome('killed')}; signal KILL; sleep 0.1; done`,
    outcome('survived', 1),
  ]);
}

/**
 * Answers the run's state and, once `exit` exists, removes the output files. The `started`
 * guard and `exit` stay as a tombstone (a few bytes) so that no later attempt can ever start
 * the script again; the retention sweep removes tombstones.
 */
export function finishScript(executionId: string): AnsweringScript {
  return answeringScript([
    `run=${runDirExpr(executionId)}`,
    ...runStateLines,
    // With the output goes any upload a dropped start left behind.
    '[ -s "$run/exit" ] && rm -f "$run/stdout" "$run/stderr" "$run/wrapper.sh" "$run"/wrapper.sh.* "$run/starttime" "$run/pid" "$run/lock"',
    'exit 0',
  ]);
}
