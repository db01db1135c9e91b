import { readFileSync } from 'node:fs';
import path from 'node:path';

import { isFinished, startHarness, type Harness } from './support/harness';

describe('per-environment concurrency', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when 5 executions start on an environment with maxConcurrency 2, then never more than 2 run on the host, all finish, and slots go out in FIFO order', async () => {
    const environment = await h.createEnvironment({ maxConcurrency: 2 });
    const journal = path.join(h.scriptsDir, 'journal');
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const script = h.writeScript(`slot${n}.sh`, `echo "start ${n}" >> ${journal}\nsleep 3\necho "end ${n}" >> ${journal}\n`);
      const job = await h.createJob({ scriptPath: script, interpreter: 'bash' });
      const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: environment.id, params: {} });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }

    const last = await h.request('GET', `/api/v1/executions/${ids[4]}`);
    expect(last.body.status).toBe('queued');
    expect(last.body.queuePosition).toBeGreaterThanOrEqual(2);

    const finished = await Promise.all(ids.map((id) => h.waitForExecution(id, isFinished, 90_000)));
    expect(finished.map((e) => e.status)).toEqual(Array(5).fill('succeeded'));

    const events = readFileSync(journal, 'utf8').trim().split('\n');
    let running = 0;
    let peak = 0;
    for (const event of events) {
      running += event.startsWith('start') ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeLessThanOrEqual(2);
    expect(events.filter((e) => e.startsWith('start'))).toHaveLength(5);
    // Both slots were really used at once: the slot intervals (grant to outcome) overlap pairwise.
    const intervals = finished.map((e) => [Date.parse(e.startedAt), Date.parse(e.finishedAt)] as const);
    const overlapAt = (t: number) => intervals.filter(([from, to]) => from <= t && t < to).length;
    expect(Math.max(...intervals.map(([from]) => overlapAt(from)))).toBe(2);
    // Slots go out first in first out (startedAt is the grant): when slots free up, the first of
    // the queue as many take them at once, in any order among themselves; nobody passes an
    // execution that waits longer and still gets no slot. So a grant's place differs from the
    // arrival place by less than maxConcurrency, and the first two to arrive are the first two
    // granted. Runs granted together may reach the host in either order: the journal is not asked.
    const grants = [...finished].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)).map((e) => e.id);
    expect(new Set(grants.slice(0, 2))).toEqual(new Set(ids.slice(0, 2)));
    for (const [place, id] of grants.entries()) expect(Math.abs(place - ids.indexOf(id))).toBeLessThan(2);
    // Every activity of all five executions went over one pooled SSH connection.
    expect(h.ssh.stats().opened).toBe(1);
  }, 120_000);

  test('when 6 executions start together on an environment with maxConcurrency 6, then each takes its slot on its first ask, none waits behind another', async () => {
    const environment = await h.createEnvironment({ maxConcurrency: 6 });
    const script = h.writeScript('together.sh', 'echo together\n');
    const ids = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const job = await h.createJob({ scriptPath: script, interpreter: 'bash' });
        const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId: environment.id, params: {} });
        expect(res.status).toBe(202);
        return res.body.id as string;
      }),
    );
    const finished = await Promise.all(ids.map((id) => h.waitForExecution(id, isFinished, 60_000)));
    expect(finished.map((e) => e.status)).toEqual(Array(6).fill('succeeded'));
    for (const id of ids) {
      const history = await h.temporal.workflow.getHandle(`execution-${id}`).fetchHistory();
      const asks = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireSlot');
      expect(asks).toHaveLength(1);
    }
  }, 90_000);
});
