import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import { sshTargetOf } from '../ssh/target';
import * as retention from '../db/retention';
import { MigratorError } from '../errors';
import type { SshPool } from '../ssh/sshPool';
import { execCollect } from '../ssh/exec';
import { bashCommand, runsRoot } from '../ssh/remoteRun';

export interface RetentionDeps {
  pool: Pool;
  ssh: SshPool;
}

export interface LogRetentionInput {
  retentionDays: number;
  batchSize: number;
}

export interface RunDirSweepInput {
  environmentId: string;
  retentionDays: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** sshd hands the whole command to the login shell as one argument, which Linux caps at 128 KiB. */
const maxScriptBytes = 100_000;

/**
 * Removes the run directories of ended runs: an `exit` file older than the retention, a name
 * that is an execution id, and a lock nobody holds (taken exclusively for the removal, so a
 * wrapper finishing or a follower still reading keeps its directory). A directory without `exit`
 * may be a run still starting, so it stays; so do those of `keep`, whose workflows may still
 * retry `runScript` and must find the `started` tombstone.
 */
function sweepScript(retentionDays: number, keep: string[]): string {
  const age = retentionDays > 0 ? ` -mmin +${retentionDays * 1440}` : '';
  return [
    `runs="${runsRoot}"`,
    '[ -d "$runs" ] || { echo removed=0; exit 0; }',
    `keep=' ${keep.join(' ')} '`,
    'removed=0',
    'while IFS= read -r run; do',
    '  name=${run##*/}',
    '  [[ $name =~ ^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$ ]] || continue',
    '  [[ $keep == *" $name "* ]] && continue',
    '  flock -x -n "$run/lock" rm -rf -- "$run" 2>/dev/null && removed=$((removed + 1))',
    `done < <(find "$runs" -mindepth 2 -maxdepth 2 -type f -name exit${age} -printf '%h\\n' 2>/dev/null)`,
    'echo "removed=$removed"',
  ].join('\n');
}

/** Activities of `retentionCleanup`: expired log lines in PostgreSQL, ended run directories on the hosts. */
export function createRetentionActivities({ pool, ssh }: RetentionDeps) {
  return {
    /** Deletes one bounded batch of expired log lines; fewer than `batchSize` means none are left. */
    async deleteExpiredLogLines({ retentionDays, batchSize }: LogRetentionInput): Promise<{ deleted: number }> {
      return retention.deleteExpiredLogLines(pool, retentionDays, batchSize);
    },

    /** Ids of the environments whose hosts `sweepRunDirectories` visits. */
    async listSweepableEnvironments(): Promise<string[]> {
      return retention.listSweepableEnvironments(pool);
    },

    /** Removes ended run directories older than the retention on the environment's host, in one round trip. */
    async sweepRunDirectories({ environmentId, retentionDays }: RunDirSweepInput): Promise<{ removed: number }> {
      const env = await getEnvironment(pool, environmentId);
      // Archived or unpinned since it was listed: nothing to do, and no unverified connection.
      if (!env || env.archivedAt || !env.hostKeyFingerprint) return { removed: 0 };
      const keep = (await retention.listUnfinishedStartedExecutions(pool)).filter((id) => uuidPattern.test(id));
      const command = bashCommand(sweepScript(retentionDays, keep));
      if (Buffer.byteLength(command) > maxScriptBytes) {
        throw new MigratorError(
          'INTERNAL',
          `${keep.length} executions are running, too many to list in one sweep of the run directories on ${env.host}; the sweep is skipped until fewer run.`,
        );
      }
      const session = await ssh.session(sshTargetOf(env));
      const result = await execCollect(session, command);
      if (result.code === null) {
        throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${env.host} dropped while sweeping run directories; will retry.`);
      }
      const removed = /^removed=(\d+)$/m.exec(result.stdout);
      if (result.code !== 0 || !removed) {
        throw new MigratorError(
          'INTERNAL',
          `Could not sweep the run directories on ${env.host} (exit ${result.code}: ${result.stderr.trim() || 'no output'}); check that bash, find and flock are installed there.`,
        );
      }
      return { removed: Number(removed[1]) };
    },
  };
}
