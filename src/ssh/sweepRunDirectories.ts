import { MigratorError } from '../errors';
import { execCollect } from './exec';
import { integerField, readAnswer } from './hostScripts/answer';
import { runDirSweepScript } from './hostScripts/sweepScript';
import type { SshPool } from './sshPool';
import type { SshTarget } from './target';

/** sshd hands the whole command to the login shell as one argument, which Linux caps at 128 KiB. */
const maxCommandBytes = 100_000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The command of a sweep that keeps the run directories of `keep`, or a refusal when it would not fit one command line. */
function sweepOf(retentionDays: number, keep: string[], host: string) {
  // Only execution ids go into the script, where they sit between single quotes.
  const ids = keep.filter((id) => uuidPattern.test(id));
  const script = runDirSweepScript(retentionDays, ids);
  if (Buffer.byteLength(script.command) > maxCommandBytes) {
    throw new MigratorError(
      'INTERNAL',
      `${ids.length} executions are running, too many to list in one sweep of the run directories on ${host}; the sweep is skipped until fewer run.`,
    );
  }
  return script;
}

/**
 * Removes, in one round trip, the run directories on a host whose runs ended more than
 * `retentionDays` ago, except those of `keep` (executions not finished yet); returns how many.
 * A sweep too large for one command line connects to nothing.
 */
export async function sweepRunDirectories(ssh: SshPool, target: SshTarget, retentionDays: number, keep: string[]): Promise<number> {
  const { host } = target;
  const script = sweepOf(retentionDays, keep, host);
  const result = await execCollect(await ssh.session(target), script.command);
  if (result.code === null) {
    throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${host} dropped while sweeping run directories; will retry.`);
  }
  const removed = integerField(readAnswer(script, result.stdout), 'removed');
  if (result.code !== 0 || removed === null) {
    throw new MigratorError(
      'INTERNAL',
      `Could not sweep the run directories on ${host} (exit ${result.code}: ${result.stderr.trim() || 'no output'}); check that bash, find and flock are installed there.`,
    );
  }
  return removed;
}
