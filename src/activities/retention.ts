import type { Pool } from 'pg';

import { getEnvironment } from '../db/environments';
import * as retention from '../db/retention';
import type { SshPool } from '../ssh/sshPool';
import { sweepRunDirectories } from '../ssh/sweepRunDirectories';
import { sshTargetOf } from '../ssh/target';

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
      const keep = await retention.listUnfinishedStartedExecutions(pool);
      return { removed: await sweepRunDirectories(ssh, sshTargetOf(env), retentionDays, keep) };
    },
  };
}
