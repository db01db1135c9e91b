import { dataOrThrow, MigratorApiError, type Execution, type ExecutionStatus, type MigratorClient } from '@migrator/api-client';

import { CliError } from './errors';
import { exitCodes } from './exitCodes';
import { paint, statusColour } from './output';
import { ProgressBar, parseProgress } from './progressBar';
import { ask, type Question } from './prompt';

const finalStatuses: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'cancelled', 'rejected']);

/** The script's own code when it ran to its end, a reserved code (exitCodes) otherwise. */
export function outcomeExitCode(execution: Pick<Execution, 'status' | 'exitCode' | 'errorCode'>): number {
  const { status, exitCode, errorCode } = execution;
  if (status === 'succeeded') return exitCode ?? exitCodes.ok;
  if (status === 'cancelled' || errorCode === 'CANCELLED') return exitCodes.cancelled;
  if (errorCode === 'APPROVAL_TIMEOUT') return exitCodes.approvalTimeout;
  if (status === 'rejected' || errorCode === 'APPROVAL_REJECTED') return exitCodes.rejected;
  if (errorCode === 'TIMED_OUT') return exitCodes.timedOut;
  if (errorCode === 'SCRIPT_FAILED' && exitCode !== null) return exitCode;
  return exitCodes.failed;
}

function describeEnd(execution: Execution): string {
  const status = paint(process.stderr, statusColour(execution.status), execution.status);
  const parts = [`execution ${execution.id} ${status}`];
  if (execution.exitCode !== null) parts.push(`exit code ${execution.exitCode}`);
  if (execution.errorCode) parts.push(`${execution.errorMessage ?? ''} (${execution.errorCode})`.trim());
  return parts.join(': ');
}

function describeWaiting(execution: Execution): string | undefined {
  if (execution.status === 'queued') {
    return execution.queuePosition ? `queued: position ${execution.queuePosition} for ${execution.environmentName}` : `queued for ${execution.environmentName}`;
  }
  if (execution.status === 'awaiting_approval') {
    const who = execution.actions.approve.allowed ? 'you may approve it' : (execution.actions.approve.reason ?? 'another operator must approve it');
    const deadline = execution.approvalDeadline ? ` before ${execution.approvalDeadline}` : '';
    return `awaiting approval${deadline}: ${who}; \`migrator approve ${execution.id}\``;
  }
  return undefined;
}

export interface FollowOptions {
  /** Lines after this seq only. */
  after?: number;
  /** Say on stderr when it is queued, awaiting approval, running. */
  reportStatus: boolean;
}

/**
 * Follows an execution's live log to its end: its stdout lines to stdout, its stderr lines to
 * stderr, every line once and in order through dropped connections. Ctrl-C asks, on a terminal,
 * whether to cancel the execution or stop following; elsewhere it stops following. Returns the
 * exit code the CLI ends with.
 */
export async function followExecution(client: MigratorClient, id: string, options: FollowOptions): Promise<number> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  const say = (text: string): void => {
    if (bar) bar.around(() => process.stderr.write(text));
    else process.stderr.write(text);
  };
  const stopFollowing = new AbortController();
  let asking: Question | undefined;
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const onInterrupt = (): void => {
    if (!interactive || asking) {
      stopFollowing.abort(new Error('stopped following'));
      return;
    }
    asking = ask(`\nCancel execution ${id}? [c]ancel it / [s]top following, it goes on (s): `);
    void asking.answer
      .then(async (answer) => {
        if (answer === 'c' || answer === 'cancel') {
          dataOrThrow(await client.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } } }));
          say(`cancelling execution ${id}\n`);
        } else {
          stopFollowing.abort(new Error('stopped following'));
        }
      })
      .catch((err: unknown) => {
        say(`could not cancel: ${err instanceof Error ? err.message : String(err)}\n`);
      })
      .finally(() => {
        asking = undefined;
      });
  };
  process.on('SIGINT', onInterrupt);

  const reportWaiting = async (): Promise<void> => {
    const execution = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
    const line = describeWaiting(execution);
    if (line) say(`${line}\n`);
  };

  try {
    await client.followLog(
      id,
      {
        onLine(_seq, line) {
          const { stream, text, continued } = line();
          const mark = bar && stream === 'stdout' ? parseProgress(text) : undefined;
          if (mark) {
            bar!.update(mark.done, mark.total);
            // On one terminal the bar shows it; in a file or pipe the script's stdout stays whole.
            if (process.stdout.isTTY) return;
          }
          const write = (): boolean => (stream === 'stderr' ? process.stderr : process.stdout).write(continued ? text : `${text}\n`);
          if (bar) bar.around(write);
          else write();
        },
        onStatus(status) {
          if (!options.reportStatus || finalStatuses.has(status)) return;
          if (status === 'running') say(`${paint(process.stderr, 'dim', 'running')}\n`);
          else void reportWaiting().catch(() => undefined);
        },
        onReconnect({ attempt, lastSeq, reason }) {
          const why = reason instanceof Error ? reason.message : String(reason);
          say(`lost the live log after line ${lastSeq} (${why}); following again (attempt ${attempt})\n`);
        },
      },
      { after: options.after, signal: stopFollowing.signal },
    );
  } catch (err) {
    if (stopFollowing.signal.aborted) {
      process.stderr.write(`stopped following; execution ${id} goes on: \`migrator logs -f ${id}\` follows it again\n`);
      return exitCodes.interrupted;
    }
    // Besides refusals (4xx) and aborts, the follower gives up only when the stream stays lost.
    if (!(err instanceof MigratorApiError) && !(err instanceof CliError)) {
      throw new CliError(err instanceof Error ? err.message : String(err), 'NETWORK', exitCodes.network, { cause: err });
    }
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
    // The run ended while the question was open: withdraw it, or the terminal keeps the process.
    asking?.close();
    bar?.finish();
  }
  const execution = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
  process.stderr.write(`${describeEnd(execution)}\n`);
  return outcomeExitCode(execution);
}
