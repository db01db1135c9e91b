import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';

import { markRemoteStopped, recordExitCode } from '../db/executions';
import { readPosition, type ReadPosition } from '../db/logStore';
import { MigratorError } from '../errors';
import { outputStreams as streams } from '../model/execution';
import type { Logger } from '../logger';
import type { CommitGate } from '../logs/commitGate';
import { LogPump } from '../logs/logPump';
import type { SshSession, SshTarget } from '../ssh/connection';
import type { SshPool } from '../ssh/sshPool';
import {
  ensureStarted,
  finishRun,
  followerFoundNoRun,
  followOutput,
  killRun,
  type RunSpec,
  stopFollowing,
} from '../ssh/remoteRun';
import { runProgressSignal } from '../workflows/messages';
import type { RunProgress, RunScriptResult, RunSegmentOptions } from '../workflows/types';
import { loadExecutionContext, runSpecOf } from './context';

export interface RunScriptDeps {
  pool: Pool;
  ssh: SshPool;
  logger: Logger;
  killGraceSeconds: number;
  heartbeatIntervalMs?: number;
  /** Shared by every run of the worker: how many of their log commits go at once. */
  logCommits?: CommitGate;
  /** The heartbeats sent since the attempt arrived (`announceArrival`); the run's own take over once it is found. */
  arrival?: { stop(): void };
}

/** Heartbeat details: offsets and counts, never log text. */
export interface RunHeartbeat extends ReadPosition {
  pid: number;
}

type Ending = 'exited' | 'cancelled' | 'timed_out' | 'detached' | 'segment_ended';

/** Without a segment from the workflow, a call follows the run to its end. */
const longestTimerMs = 2 ** 31 - 1;

/**
 * Runs the job's script detached on the host and stores its output, or re-attaches to it when
 * an earlier attempt (or call) started it. Starts the script at most once per execution; kills
 * the whole process group on cancellation or timeout. The job's timeout counts from the
 * execution's start, whatever the call. With `segmentSeconds`, returns after that long with the
 * run still going and every complete line so far stored, so that the workflow can continue as
 * new and re-attach.
 */
export async function runScript(
  deps: RunScriptDeps,
  executionId: string,
  target: SshTarget,
  options: RunSegmentOptions = {},
): Promise<RunScriptResult> {
  const ctx = await loadExecutionContext(deps.pool, executionId);
  if (ctx.execution.exitCode !== null) {
    // A previous attempt saw the run end and stored all of it; only its completion was lost.
    const { exitCode, lineCount, progressDone, progressTotal } = ctx.execution;
    return { ended: true, exitCode, lineCount, progress: { lines: lineCount, done: progressDone, total: progressTotal } };
  }
  const activity = Context.current();
  const log = deps.logger.child({ executionId, attempt: activity.info.attempt });
  const conn = await deps.ssh.session(target);
  let pump: LogPump | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    const position = await readPosition(deps.pool, executionId);
    pump = new LogPump(deps.pool, executionId, position, { gate: deps.logCommits });
    const activePump = pump;
    // The follower opens alongside the start rather than after it: every exec pays the host's
    // login-shell start, and lines the script printed meanwhile would reach the log that late.
    // It waits on the host for the run's pid before tailing. One channel carries both streams.
    const opening = followOutput(conn, executionId, { stdout: position.stdoutOffset, stderr: position.stderrOffset });
    const tail = opening.then((follower) => activePump.attach(follower));
    // Handled from birth: the follower may fail to open long before anything awaits these, and an
    // unhandled rejection would end the worker. They are still awaited (and rethrown) below.
    for (const promise of [opening, tail]) promise.catch(() => undefined);
    const dropFollowers = async (): Promise<void> => {
      await opening.then((follower) => stopFollowing(follower.channel)).catch(() => undefined);
    };
    let found: FoundRun;
    try {
      found = await startOrFindRun(conn, runSpecOf(ctx), log);
    } catch (err) {
      await dropFollowers();
      throw err;
    }
    if (found.kind === 'finished') {
      await dropFollowers();
      await recordExitCode(deps.pool, executionId, found.exitCode);
      return { ended: true, exitCode: found.exitCode, lineCount: position.lastSeq, progress: progressOf(activePump) };
    }
    const { pid } = found;
    const beat = (): void => activity.heartbeat({ ...activePump.position, pid } satisfies RunHeartbeat);
    deps.arrival?.stop();
    beat();
    heartbeat = setInterval(beat, deps.heartbeatIntervalMs ?? 1000);
    const report = progressReporter(activity, activePump, log);
    // Each report is a history event of the workflow: the workflow sets how often.
    progress = setInterval(report, (options.progressIntervalSeconds ?? 10) * 1000);

    const deadline = (ctx.execution.startedAt ?? new Date()).getTime() + ctx.job.timeoutSeconds * 1000;
    // Counted from here, not from the call: connecting and starting can take longer than a short
    // segment, and a segment must follow the run for a while to make progress.
    const segmentEnd = Date.now() + (options.segmentSeconds ? options.segmentSeconds * 1000 : longestTimerMs);
    const ending = await waitForEnding(tail, activity, deadline, segmentEnd);

    if (ending === 'segment_ended') {
      // The run goes on. Lines already received are stored with their offsets; a line still
      // unterminated is not, and the next call re-reads it from the committed offset.
      await dropFollowers();
      await tail;
      const stored = await pump.drain();
      log.info({ lines: stored.lastSeq }, 'segment ended with the run still going; the next call re-attaches');
      return { ended: false, progress: progressOf(activePump) };
    }

    if (ending === 'detached') {
      // Worker shutdown or a heartbeat timeout: leave the script running for the next attempt.
      log.info({ reason: activity.cancellationDetails }, 'detaching from the run; a later attempt re-attaches');
      throw activity.cancellationSignal.reason;
    }
    if (ending === 'cancelled' || ending === 'timed_out') {
      const { killed } = await killRun(conn, executionId, deps.killGraceSeconds);
      await markRemoteStopped(deps.pool, executionId);
      log.info({ ending, killed }, 'run killed');
    }
    const tailCode = await tail;
    // A failed write to PostgreSQL closes the channel too: report that, not a dropped connection.
    pump.throwIfFailed();
    if (tailCode === followerFoundNoRun) {
      throw new MigratorError('LOST', 'The run directory on the host holds no process id; the run is not started again. Check the host.');
    }
    if (tailCode === null) {
      throw new MigratorError('SSH_UNREACHABLE', 'The SSH connection dropped while following the output; re-attaching.');
    }
    for (const stream of streams) pump.endStream(stream);
    const stored = await pump.drain();

    if (ending === 'cancelled' || ending === 'timed_out') report();
    if (ending === 'cancelled') throw activity.cancellationSignal.reason;
    if (ending === 'timed_out') {
      throw new MigratorError(
        'TIMED_OUT',
        `The script ran longer than the job's timeout of ${ctx.job.timeoutSeconds} s and was killed.`,
        { timeoutSeconds: ctx.job.timeoutSeconds },
      );
    }
    const state = await finishRun(conn, executionId);
    if (state.exitCode === null) {
      throw new MigratorError(
        'LOST',
        `The run on ${target.host} ended without recording an exit status (killed from outside, or the host rebooted). ` +
          `Its output up to line ${stored.lastSeq} is stored; check the host before running it again.`,
      );
    }
    await recordExitCode(deps.pool, executionId, state.exitCode);
    return { ended: true, exitCode: state.exitCode, lineCount: stored.lastSeq, progress: progressOf(pump) };
  } finally {
    clearInterval(heartbeat);
    clearInterval(progress);
    pump?.close();
  }
}

/** The stored line count and latest `::progress` mark: counts only, never log text. */
function progressOf(pump: LogPump): RunProgress {
  return { lines: pump.position.lastSeq, done: pump.progress?.done ?? null, total: pump.progress?.total ?? null };
}

/**
 * Signals the workflow the stored line count and the latest `::progress` mark when they
 * changed, for its progress query and the run's current details in the Temporal UI.
 */
function progressReporter(activity: Context, pump: LogPump, log: Logger): () => void {
  let reported = '';
  return () => {
    const progress = progressOf(pump);
    const key = JSON.stringify(progress);
    if (key === reported) return;
    reported = key;
    const execution = activity.info.workflowExecution;
    if (!execution) return;
    activity.client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .signal(runProgressSignal, progress)
      .catch((err: unknown) => log.debug({ err }, 'could not report progress to the workflow'));
  };
}

type FoundRun = { kind: 'running'; pid: number } | { kind: 'finished'; exitCode: number };

async function startOrFindRun(conn: SshSession, spec: RunSpec, log: Logger): Promise<FoundRun> {
  const state = await ensureStarted(conn, spec);
  if (!state.startedNow && state.pid === null && state.exitCode !== null) {
    // Only finishRun removes `pid`, and only once every line is stored: an earlier attempt got
    // that far and died before it recorded the exit status.
    log.info({ exitCode: state.exitCode }, 'the run ended and its output is stored; recording its exit status');
    return { kind: 'finished', exitCode: state.exitCode };
  }
  if (state.pid === null) {
    throw new MigratorError(
      'LOST',
      'The run was started once but never recorded its process id; it is not started again. Check the host.',
    );
  }
  if (state.startedNow) log.info({ pid: state.pid }, 'script started');
  else log.info({ pid: state.pid, alive: state.alive, exitCode: state.exitCode }, 're-attaching to the run');
  return { kind: 'running', pid: state.pid };
}

function waitForEnding(tails: Promise<unknown>, activity: Context, deadline: number, segmentEnd: number): Promise<Ending> {
  let timer: NodeJS.Timeout | undefined;
  let segmentTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const ending = new Promise<Ending>((resolve, reject) => {
    timer = setTimeout(() => resolve('timed_out'), Math.max(0, deadline - Date.now()));
    // The job's timeout wins when both are due: its deadline is not moved by segments.
    if (segmentEnd < deadline) segmentTimer = setTimeout(() => resolve('segment_ended'), Math.min(longestTimerMs, Math.max(0, segmentEnd - Date.now())));
    onAbort = () => resolve(activity.cancellationDetails?.cancelRequested ? 'cancelled' : 'detached');
    if (activity.cancellationSignal.aborted) onAbort();
    else activity.cancellationSignal.addEventListener('abort', onAbort, { once: true });
    tails.then(() => resolve('exited'), reject);
  });
  return ending.finally(() => {
    clearTimeout(timer);
    clearTimeout(segmentTimer);
    if (onAbort) activity.cancellationSignal.removeEventListener('abort', onAbort);
  });
}
