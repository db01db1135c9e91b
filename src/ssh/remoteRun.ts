import { createHash } from 'node:crypto';

import type { ClientChannel } from 'ssh2';

import { MigratorError } from '../errors';
import type { OutputStream } from '../model/execution';
import type { SshSession } from './connection';
import { execCollect, openChannel } from './exec';
import { randomMarker, readAnswer } from './hostScripts/answer';
import { runStateOf, type RunState } from './hostScripts/runDirectory';
import { finishScript, followCommand, inspectScript, killScript, startScript, uploadRejected } from './hostScripts/runScripts';
import { wrapperScript, type RunSpec } from './hostScripts/runWrapper';

/**
 * The remote run protocol of the design: a detached wrapper per execution in
 * `~/.migrator/runs/<executionId>/`, uploaded over stdin and started at most once (`mkdir
 * started`), holding `flock` on `lock` while the job runs, writing `starttime`, `pid` and `exit`
 * atomically, its output in two files that any number of attach attempts can tail from a byte
 * offset. The scripts themselves are in ./hostScripts; this module runs them and reads their answers.
 */

export type { RunSpec } from './hostScripts/runWrapper';
export type { RunState } from './hostScripts/runDirectory';
export { followerFoundNoRun } from './hostScripts/runScripts';

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
  const script = startScript(spec.executionId, { length: wrapper.length, sha256 });
  const result = await execCollect(conn, script.command, { input: wrapper });
  if (result.code === uploadRejected) {
    throw new MigratorError(
      'SSH_UNREACHABLE',
      `The run's wrapper (${wrapper.length} bytes) reached the host short or altered, so nothing was started; will retry. ` +
        "If this repeats, something in the SSH user's login files reads stdin.",
    );
  }
  if (result.code !== 0) throw channelFailure(result.code, `start the run (${result.stderr.trim() || 'no output'})`);
  const answer = readAnswer(script, result.stdout);
  return { ...runStateOf(answer), startedNow: answer.get('fresh') === '1' };
}

/** Reads what the host knows of a run: started, pid, alive (lock held), recorded exit status. */
export async function inspectRun(conn: SshSession, executionId: string): Promise<RunState> {
  const script = inspectScript(executionId);
  const result = await execCollect(conn, script.command);
  if (result.code !== 0) throw channelFailure(result.code, 'inspect the run directory');
  return runStateOf(readAnswer(script, result.stdout));
}

/** One channel carrying both output streams of a run, each opened by its `start` line. */
export interface Follower {
  channel: ClientChannel;
  /** Precedes each stream on a line of its own; what comes before it is the login files' noise. */
  start: string;
}

/**
 * Follows both output files from their byte offsets until the run ends, as raw bytes on one
 * channel: stdout on its stdout, stderr on its stderr. One channel (and one login shell) per
 * run, not one per stream.
 *
 * Stopping early only needs the channel closed: the tails notice their output pipes close and
 * exit (coreutils >= 8.28), so sshd frees the session, one of the connection's `MaxSessions`,
 * soon rather than when the run ends. (sshd's `signal` request is no help: it refuses it for
 * root logins.)
 */
export async function followOutput(conn: SshSession, executionId: string, offsets: Record<OutputStream, number>): Promise<Follower> {
  const start = randomMarker('migrator-follow');
  return { channel: await openChannel(conn, followCommand(executionId, offsets, start)), start };
}

/**
 * Stops a follower before the run ended (detach, or a failed write); the run itself goes on.
 * Reading goes on until the channel is closed: ssh2 emits `close` only once both streams are
 * read to their end, so a follower paused for a lagging PostgreSQL would never close.
 */
export function stopFollowing(channel: ClientChannel): void {
  channel.close();
  resumeFollower(channel);
}

/** A follower's channel carries both streams: reading stops for both. */
export function pauseFollower(channel: ClientChannel): void {
  channel.pause();
  channel.stderr.pause();
}

/** And goes on for both. */
export function resumeFollower(channel: ClientChannel): void {
  channel.resume();
  channel.stderr.resume();
}

/**
 * Kills the run's process group (its pid is the group id): TERM, up to `graceSeconds` for the
 * job to end, then KILL. Resolves only when no live (non-zombie) process is left of it. One
 * round trip; a run that never started or already ended is `killed: false`. The `pid` file
 * outlives the wrapper, and its id may since belong to someone else: see `killScript`.
 */
export async function killRun(conn: SshSession, executionId: string, graceSeconds: number): Promise<{ killed: boolean }> {
  const script = killScript(executionId, graceSeconds);
  const result = await execCollect(conn, script.command);
  const outcome = readAnswer(script, result.stdout).get('outcome');
  if (result.code !== 0) {
    throw new MigratorError(
      'INTERNAL',
      `Processes of run ${executionId} are still alive after KILL (${outcome ?? result.stderr.trim()}); check the host.`,
    );
  }
  return { killed: outcome === 'terminated' || outcome === 'killed' };
}

/**
 * Called once every byte is stored: reads the exit status and removes the output files,
 * leaving the `started` guard and `exit` as a tombstone.
 */
export async function finishRun(conn: SshSession, executionId: string): Promise<RunState> {
  const script = finishScript(executionId);
  const result = await execCollect(conn, script.command);
  if (result.code !== 0) throw channelFailure(result.code, 'read the exit status');
  return runStateOf(readAnswer(script, result.stdout));
}

function channelFailure(code: number | null, what: string): MigratorError {
  if (code === null) {
    return new MigratorError('SSH_UNREACHABLE', `The SSH connection dropped while trying to ${what}; will retry.`);
  }
  return new MigratorError('INTERNAL', `Could not ${what} on the host (exit ${code}).`);
}
