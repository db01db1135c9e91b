import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import { AesGcmPayloadCodec, parsePayloadKeys } from '../src/temporal/payloadCodec';
import { isFinished, startHarness, type Harness } from './support/harness';
import { testPayloadKeys } from './support/temporalTest';

/** Every payload in a protobuf message (objects with `data` or `metadata`), however deep. */
function payloadsIn(value: unknown, into: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return into;
  const record = value as Record<string, unknown>;
  if (record.metadata !== undefined && typeof record.metadata === 'object' && ('data' in record || 'metadata' in record)) {
    const metadata = record.metadata as Record<string, unknown>;
    if (Object.values(metadata).every((v) => v instanceof Uint8Array)) into.push(record as Payload);
  }
  // Search attributes are payloads too, plain by design: Temporal indexes them. So are the
  // markers of workflow patches, which the SDK's core writes without the codec: a patch's id only.
  for (const [key, child] of Object.entries(record)) if (key !== 'searchAttributes' && key !== 'patch-data') payloadsIn(child, into);
  return into;
}

/** The marker as it would appear in base64 at any of the three alignments. */
function base64Forms(marker: string): string[] {
  return [0, 1, 2].map((shift) => {
    const b64 = Buffer.from(`${'x'.repeat(shift)}${marker}`).toString('base64');
    // Drop the characters that mix with the padding bytes before and after.
    return b64.slice(Math.ceil((shift * 4) / 3) + 1, -4);
  });
}

describe('payloads Temporal stores are encrypted; the codec endpoint shows them to people who may read them', () => {
  let h: Harness;
  const marker = `PHI${randomBytes(6).toString('hex')}`;
  let alice: { token: string; id: string };
  let bob: { token: string; id: string };
  let viewer: { token: string; id: string };
  const workflowIds: string[] = [];

  async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
    // The gRPC service itself: no data converter between the test and what Temporal stores.
    const res = await h.temporal.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
    return res.history!;
  }

  async function rawDescription(workflowId: string): Promise<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse> {
    return h.temporal.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
  }

  beforeAll(async () => {
    h = await startHarness();
    [alice, bob, viewer] = await Promise.all([h.createToken('operator', 'alice'), h.createToken('operator', 'bob'), h.createToken('viewer', 'vera')]);
    const script = h.writeScript('greet.sh', 'echo "hello $1"\n');
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', parameters: [{ name: 'patient', type: 'string' }] });
    const [production, production2] = [await h.createEnvironment({ production: true }), await h.createEnvironment({ production: true })];
    const staging = await h.createEnvironment();
    const start = async (jobId: string, environment: { id: string; name: string; production: boolean }, params: Record<string, unknown>) => {
      const res = await h.request(
        'POST',
        '/api/v1/executions',
        { jobId, environmentId: environment.id, params, ...(environment.production ? { confirmProduction: environment.name } : {}) },
        { token: alice.token },
      );
      expect(res.status).toBe(202);
      workflowIds.push(`execution-${res.body.id}`);
      return res.body.id as string;
    };

    // Params and an approval reason with the marker, approved and run in production.
    const approvedId = await start(job.id, production, { patient: `${marker}@example.org` });
    expect((await h.request('POST', `/api/v1/executions/${approvedId}/approve`, { reason: `checked ${marker}` }, { token: bob.token })).status).toBe(200);
    // A rejection reason with the marker.
    const rejectedId = await start(job.id, production2, { patient: 'nobody' });
    expect((await h.request('POST', `/api/v1/executions/${rejectedId}/reject`, { reason: `wrong practice ${marker}` }, { token: bob.token })).status).toBe(200);
    // A failure whose message names a path with the marker (the script is not there).
    const missing = await h.createJob({ scriptPath: path.join(h.scriptsDir, marker, 'missing.sh'), interpreter: 'bash' });
    const failedId = await start(missing.id, staging, {});

    expect(await h.waitForExecution(approvedId, isFinished, 60_000)).toMatchObject({ status: 'succeeded' });
    expect(await h.waitForExecution(rejectedId, isFinished, 60_000)).toMatchObject({ status: 'rejected' });
    expect(await h.waitForExecution(failedId, isFinished, 60_000)).toMatchObject({ status: 'failed', errorCode: 'SCRIPT_NOT_FOUND' });
    // The workflows themselves must have ended, so the histories are whole.
    for (const id of workflowIds) await h.temporal.workflow.getHandle(id).result().catch(() => undefined);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when the raw histories and descriptions are read without the codec, then neither the marker nor its base64 is in them', async () => {
    for (const workflowId of workflowIds) {
      const history = await rawHistory(workflowId);
      const description = await rawDescription(workflowId);
      const bytes = Buffer.concat([
        Buffer.from(temporal.api.history.v1.History.encode(history).finish()),
        Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(description).finish()),
      ]);
      // What `temporal workflow show -o json` prints: bytes as base64.
      const json = JSON.stringify([
        temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { bytes: String, longs: String, enums: String }),
        temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.toObject(
          temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.fromObject(description),
          { bytes: String, longs: String, enums: String },
        ),
      ]);
      expect(bytes.includes(marker)).toBe(false);
      expect(json).not.toContain(marker);
      for (const form of base64Forms(marker)) expect(json).not.toContain(form);
      // Encrypted, not merely absent: the history holds payloads, and every one is encrypted.
      const payloads = payloadsIn(history);
      expect(payloads.length).toBeGreaterThan(5);
      for (const p of payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
    }
  });

  test('when an engineer decodes the histories through /codec/decode, then the params and the failure message read, and the approval reasons were never there', async () => {
    const decoded: string[] = [];
    for (const workflowId of workflowIds) {
      const all = [...payloadsIn(await rawHistory(workflowId)), ...payloadsIn(await rawDescription(workflowId))];
      const wire = all.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
        data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
      }));
      const res = await h.request('POST', '/codec/decode', { payloads: wire }, { token: viewer.token, headers: { 'x-namespace': 'default' } });
      expect(res.status).toBe(200);
      decoded.push(...(res.body.payloads as { data?: string }[]).map((p) => Buffer.from(p.data ?? '', 'base64').toString()));
    }
    const text = decoded.join('\n');
    expect(text).toContain(`${marker}@example.org`);
    // Approval and rejection reasons stay in PostgreSQL: the workflow reads the row's decision, not the words.
    expect(text).not.toContain(`checked ${marker}`);
    expect(text).not.toContain(`wrong practice ${marker}`);
    expect(text).toMatch(new RegExp(`${marker}/missing\\.sh`));
  });

  test('when the keys rotate to B,A, then histories written under A still decode; without A, decoding names the missing key', async () => {
    const payloads = payloadsIn(await rawHistory(workflowIds[0]!));
    const keyA = parsePayloadKeys(testPayloadKeys());
    const keyB = { id: 'rotated-b', key: randomBytes(32) };
    const rotated = new AesGcmPayloadCodec([keyB, ...keyA]);
    const plain = (await rotated.decode(payloads)).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString()).join('\n');
    expect(plain).toContain(`${marker}@example.org`);
    // New payloads are encrypted with B, the first key.
    const [fresh] = await rotated.encode([{ metadata: {}, data: Buffer.from('x') }]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('rotated-b');

    const withoutA = new AesGcmPayloadCodec([keyB]);
    await expect(withoutA.decode(payloads)).rejects.toThrow(new RegExp(`encrypted with key "${keyA[0]!.id}", which is not in MIGRATOR_PAYLOAD_KEYS`));
  });
});

describe('the codec endpoint', () => {
  let h: Harness;
  const uiOrigin = 'http://127.0.0.1:8233';
  const sample = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hi"').toString('base64') }] };

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function signIn(token: string): Promise<string> {
    const res = await fetch(`${h.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: h.url },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(201);
    return /^([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  }

  test('when nobody authenticates, or with a revoked token, then it is 401 problem+json; a viewer decodes and may not encode', async () => {
    const anonymous = await h.request('POST', '/codec/decode', sample, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');

    const viewer = await h.createToken('viewer');
    const decoded = await h.request('POST', '/codec/decode', sample, { token: viewer.token });
    expect(decoded.status).toBe(200);
    // Payloads written before encryption pass through as they are.
    expect(decoded.body).toEqual(sample);
    const encode = await h.request('POST', '/codec/encode', sample, { token: viewer.token });
    expect(encode.status).toBe(403);
    expect(encode.body.code).toBe('FORBIDDEN');

    const operator = await h.createToken('operator');
    const encoded = await h.request('POST', '/codec/encode', sample, { token: operator.token });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const roundTrip = await h.request('POST', '/codec/decode', encoded.body, { token: viewer.token });
    expect(roundTrip.body).toEqual(sample);

    expect((await h.request('DELETE', `/api/v1/tokens/${viewer.id}`)).status).toBe(204);
    expect((await h.request('POST', '/codec/decode', sample, { token: viewer.token })).status).toBe(401);
  });

  test('when the namespace is wrong or the body malformed, then it is 400 problem+json with the field named', async () => {
    const wrong = await h.request('POST', '/codec/decode', sample, { headers: { 'x-namespace': 'other' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'X-Namespace' }] });
    for (const rawBody of ['{', '[]', JSON.stringify({ payloads: [{ data: 'not base64!' }] }), JSON.stringify({ payloads: 'x' })]) {
      const bad = await h.request('POST', '/codec/decode', undefined, { rawBody });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    const damaged = {
      payloads: [
        {
          metadata: { encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('nope').toString('base64') },
          data: randomBytes(40).toString('base64'),
        },
      ],
    };
    const unknownKey = await h.request('POST', '/codec/decode', damaged);
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.detail).toContain('key "nope"');
  });

  test('when the Temporal UI asks from its origin, then CORS answers that origin with credentials; another origin gets no CORS headers', async () => {
    const preflight = await fetch(`${h.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(expect.stringContaining('x-namespace'));

    const operator = await h.createToken('operator');
    const cookie = await signIn(operator.token);
    const fromUi = await fetch(`${h.url}/codec/decode`, {
      method: 'POST',
      headers: { origin: uiOrigin, cookie, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify(sample),
    });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(uiOrigin);

    const elsewhere = 'http://127.0.0.1:9';
    const otherPreflight = await fetch(`${h.url}/codec/decode`, { method: 'OPTIONS', headers: { origin: elsewhere, 'access-control-request-method': 'POST' } });
    expect(otherPreflight.headers.get('access-control-allow-origin')).toBeNull();
    const fromOther = await fetch(`${h.url}/codec/decode`, {
      method: 'POST',
      headers: { origin: elsewhere, cookie, 'content-type': 'application/json' },
      body: JSON.stringify(sample),
    });
    expect(fromOther.status).toBe(403);
    expect(fromOther.headers.get('access-control-allow-origin')).toBeNull();

    // A session that ended decodes nothing.
    await h.pool.query("update sessions set last_seen_at = now() - interval '30 days'");
    const stale = await fetch(`${h.url}/codec/decode`, {
      method: 'POST',
      headers: { origin: uiOrigin, cookie, 'content-type': 'application/json' },
      body: JSON.stringify(sample),
    });
    expect(stale.status).toBe(401);
  });
});
