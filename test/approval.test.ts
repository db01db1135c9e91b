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
    const self = await h.request('POST', `/api/v1/executions/${id}/approve`, {}, { token: alice.token });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('FORBIDDEN');
    expect(self.headers.get('content-type')).toContain('application/problem+json');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.request('GET', `/api/v1/executions/${id}`)).body.status).toBe('awaiting_approval');
    expect(ran('approved')).toBe(false);

    // The workflow refuses it too, whoever reaches it past the API.
    const direct = h.temporal.workflow.getHandle(`execution-${id}`).executeUpdate('approve', { args: [{ by: 'alice' }] });
    await expect(direct).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(direct).rejects.toMatchObject({ cause: { type: 'FORBIDDEN' } });

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

  test('when the environment name is not typed back, then the start is refused and nothing is recorded', async () => {
    const env = await h.createEnvironment({ production: true });
    const before = (await h.pool.query('select count(*)::int as n from executions')).rows[0].n;
    const res = await h.request('POST', '/api/v1/executions', { jobId, environmentId: env.id, params: { label: 'x' }, confirmProduction: 'prod?' }, { token: alice.token });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PRODUCTION_CONFIRMATION_REQUIRED');
    expect((await h.pool.query('select count(*)::int as n from executions')).rows[0].n).toBe(before);
  });
});
