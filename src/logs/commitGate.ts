import pLimit from 'p-limit';

/**
 * Lets at most a few log commits of a process run at once; the others wait their turn and take
 * everything that arrived meanwhile. With dozens of runs at once this is group commit: the
 * commits per second stay what PostgreSQL can do, each a larger batch, instead of every pump
 * committing small batches as often as it may; and the connections the gate leaves free stay
 * for the activities that start, check and end runs, which would otherwise queue behind the
 * pumps for the pool.
 */
export interface CommitGate {
  <T>(commit: () => Promise<T>): Promise<T>;
  /**
   * The part of its full backlog a pump may hold now: 1 while no more pumps want to commit than
   * may at once, less as more queue. Pumps waiting for their turn cannot commit any faster by
   * holding more; dozens of them each holding a full backlog made the worker's heap grow to
   * ~760 MB in a burst of 50 runs, which V8 then kept long after.
   */
  share(): number;
}

export function createCommitGate(concurrency: number): CommitGate {
  const at = Math.max(1, concurrency);
  const limit = pLimit(at);
  return Object.assign(<T>(commit: () => Promise<T>) => limit(commit), {
    share: () => Math.min(1, at / Math.max(1, limit.activeCount + limit.pendingCount)),
  });
}

/** No gate: a pump alone (tests, tools). */
export const ungated: CommitGate = Object.assign(<T>(commit: () => Promise<T>) => commit(), { share: () => 1 });
