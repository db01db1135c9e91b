import { existsSync, readFileSync } from 'node:fs';

import { WorkflowUpdateFailedError } from '@temporalio/client';
import path from 'node:path';

import { isFinished, startHarness, type Harness } from './support/harness';

describe('four-eyes approval of production executions', () => {
  let h: Harness;
  let alice: { name: string; token: string };
  let bob: { name: string; token: string };
  let viewer: { name: string; token: string };
  let marker: string;
  let jobId: string;

  beforeAll(async () => {
    h = await startHarness();
    [alice, bob, viewer] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob'), h.createToken('viewer')]);
    marker = path.join(h.scriptsDir, 'ran');
    const script = h.writeScript('touch.sh', `echo "$1" >> ${marker}\necho done\n`);
    jobId = (await h.createJob({ scriptPath: script, interpreter: 'bash', parameters: [{ name: 'label', type: 'string' }] })).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function startOnProduction(label: string, approvalTimeoutSeconds = 600) {
    const env = await h.createEnvironment({ production: true, approvalTimeoutSeconds });
    const res = await h.request(
      'POST',
      '/api/v1/executions',
      { jobId, environmentId: env.id, params: { label }, confirmProduction: env.name },
      { token: alice.token },
    );
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('awaiting_approval');
    return res.body.id as string;
  }

  const ran = (label: string) => existsSync(marker) && readFileSync(marker, 'utf8').split('\n').includes(label);

  test('when the starter approves, then it is FORBIDDEN; when another operator approves, then it runs and both names are recorded', async () => {
    const id = await startOnProduction('approved');
    // What the console offers each of them comes from the server.
    expect((await h.request('GET', `/api/v1/executions/${id}`, undefined, { token: alice.token })).body.actions.approve).toEqual({
      allowed: false,
      reason: 'you started it; another person must approve it',
    });
    expect((await h.request('GET', `/api/v1/executions/${id}`, undefined, { token: bob.token })).body.actions.approve).toEqual({ allowed: true });
    const self = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: alice.token });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('FORBIDDEN');
    expect(self.headers.get('content-type')).toContain('application/problem+json');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.status).toBe('awaiting_approval');
    expect(ran('approved')).toBe(false);

    // Whoever reaches Temporal past the API approves nothing: the workflow reads the row, not names in messages.
    const handle = h.temporal.workflow.getHandle(`execution-${id}`);
    await expect(handle.executeUpdate('approve', { args: [{ by: 'mallory' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.signal('approvalDecided');
    await handle.signal('approvalDecided', { by: 'mallory', approved: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body).toMatchObject({ status: 'awaiting_approval', approvedBy: null });
    expect(ran('approved')).toBe(false);

    const byViewer = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: viewer.token });
    expect(byViewer.status).toBe(403);

    const approved = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: bob.token });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ approvedBy: 'bob', startedBy: 'alice' });
    expect(approved.body.status).not.toBe('awaiting_approval');

    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', startedBy: 'alice', approvedBy: 'bob' });
    expect(ran('approved')).toBe(true);

    const again = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: bob.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
  });

  test('when another operator rejects, then it ends rejected with APPROVAL_REJECTED and nothing runs on the host', async () => {
    const id = await startOnProduction('rejected');
    const res = await h.request('POST', `/api/v1/executions/${id}/reject`, { reason: 'wrong tenant' }, { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', rejectedBy: 'bob', errorCode: 'APPROVAL_REJECTED' });
    expect(res.body.errorMessage).toContain('wrong tenant');
    const late = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: bob.token });
    expect(late.status).toBe(409);
    expect(ran('rejected')).toBe(false);
  });

  test('when nobody approves before the environment deadline, then it fails APPROVAL_TIMEOUT and nothing runs on the host', async () => {
    const id = await startOnProduction('timed-out', 5);
    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'APPROVAL_TIMEOUT', approvedBy: null });
    expect(ran('timed-out')).toBe(false);
  });

  test('when the execution is cancelled while awaiting approval, then it ends cancelled, records who cancelled, and nothing runs', async () => {
    const id = await startOnProduction('cancelled');
    const res = await h.request('POST', `/api/v1/executions/${id}/cancel`, undefined, { token: bob.token });
    expect(res.status).toBe(202);
    const done = await h.waitForExecution(id, isFinished, 60_000);
    expect(done).toMatchObject({ status: 'cancelled', cancelledBy: 'bob' });
    expect(ran('cancelled')).toBe(false);
  });

  test('when the starter approves with another of their tokens, even under another token name or letter case, then it is FORBIDDEN and nothing runs', async () => {
    const aliceLaptop = await h.createToken('operator', 'alice-laptop', 'Alice');
    expect(aliceLaptop.owner).toBe('alice');
    const id = await startOnProduction('second-token');
    const res = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: aliceLaptop.token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(res.body.detail).toContain('another person');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body).toMatchObject({ status: 'awaiting_approval', approvedBy: null });
    expect(ran('second-token')).toBe(false);
    await h.request('POST', `/api/v1/executions/${id}/reject`, {}, { token: bob.token });
  });

  test('when an approval and a rejection race, then exactly one wins and the workflow follows the row', async () => {
    const carol = await h.createToken('operator', 'carol');
    for (let round = 0; round < 3; round++) {
      const id = await startOnProduction(`race-${round}`);
      const [approve, reject] = await Promise.all([
        h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: bob.token }),
        h.request('POST', `/api/v1/executions/${id}/reject`, { reason: 'race' }, { token: carol.token }),
      ]);
      expect([approve.status, reject.status].sort()).toEqual([200, 409]);
      const done = await h.waitForExecution(id, isFinished, 60_000);
      if (approve.status === 200) {
        expect(done).toMatchObject({ status: 'succeeded', approvedBy: 'bob', rejectedBy: null });
        expect(ran(`race-${round}`)).toBe(true);
      } else {
        expect(done).toMatchObject({ status: 'rejected', approvedBy: null, rejectedBy: 'carol', errorCode: 'APPROVAL_REJECTED' });
        expect(ran(`race-${round}`)).toBe(false);
      }
    }
  });

  test('when a production environment allows one run and an unapproved execution waits there, then an approved one takes the slot and runs', async () => {
    const env = await h.createEnvironment({ production: true, maxConcurrency: 1 });
    const otherJob = await h.createJob({ scriptPath: h.writeScript('other.sh', `echo "$1" >> ${marker}\n`), interpreter: 'bash', parameters: [{ name: 'label', type: 'string' }] });
    const body = (job: string, label: string) => ({ jobId: job, environmentId: env.id, params: { label }, confirmProduction: env.name });
    const unapproved = await h.request('POST', '/api/v1/executions', body(jobId, 'left-waiting'), { token: alice.token });
    const approved = await h.request('POST', '/api/v1/executions', body(otherJob.id, 'approved-second'), { token: alice.token });
    expect([unapproved.status, approved.status]).toEqual([202, 202]);
    expect((await h.request('POST', `/api/v1/executions/${approved.body.id}/approve`, {}, { token: bob.token })).status).toBe(200);

    expect(await h.waitForExecution(approved.body.id, isFinished, 30_000)).toMatchObject({ status: 'succeeded' });
    expect(ran('approved-second')).toBe(true);
    expect((await h.request('GET', `/api/v1/executions/${unapproved.body.id}`)).body.status).toBe('awaiting_approval');
    await h.request('POST', `/api/v1/executions/${unapproved.body.id}/reject`, {}, { token: bob.token });
  });

  test('when the environment name is not typed back, then the start is refused and nothing is recorded', async () => {
    const env = await h.createEnvironment({ production: true });
    const before = (await h.pool.query('select count(*)::int as n from executions')).rows[0].n;
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId: env.id, params: { label: 'x' }, confirmProduction: 'prod?' }, { token: alice.token });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PRODUCTION_CONFIRMATION_REQUIRED');
    expect((await h.pool.query('select count(*)::int as n from executions')).rows[0].n).toBe(before);
  });
});
