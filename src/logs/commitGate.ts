import pLimit from 'p-limit';

/**
 * Lets at most a few log commits of a process run at once; the others wait their turn and take
 * everything that arrived meanwhile. With dozens of runs at once this is group commit: the
 * commits per second stay what PostgreSQL can do, each a larger batch, instead of every pump
 * committing small batches as often as it may; and the connections the gate leaves free stay
 * for the activities that start, check and end runs, which would otherwise queue behind the
 * pumps for the pool.
 */
export type CommitGate = <T>(commit: () => Promise<T>) => Promise<T>;

export function createCommitGate(concurrency: number): CommitGate {
  const limit = pLimit(Math.max(1, concurrency));
  return (commit) => limit(commit);
}

/** No gate: a pump alone (tests, tools). */
export const ungated: CommitGate = (commit) => commit();
