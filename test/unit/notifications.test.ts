import { createHmac } from 'node:crypto';

import { isPrivateAddress, problemWithUrl } from '../../src/notifications/addressGuard';
import { deliveryWorkflowId, eventOfStatus } from '../../src/notifications/events';
import { payloadBody, type EventFacts } from '../../src/notifications/payload';
import { SecretBox } from '../../src/notifications/secretBox';
import { signatureHeader, verifySignature } from '../../src/notifications/signature';

describe('webhook signature', () => {
  test('when a body is signed, then the header is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const header = signatureHeader('s3cret', '{"a":1}', 1_700_000_000);
    const expected = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  test('when the body, secret or time differ, then verification fails; within tolerance it holds', () => {
    const header = signatureHeader('s3cret', 'body', 1000);
    expect(verifySignature('s3cret', 'body', header, 1000)).toBe(true);
    expect(verifySignature('s3cret', 'body', header, 1299)).toBe(true);
    expect(verifySignature('s3cret', 'body', header, 1301)).toBe(false);
    expect(verifySignature('other', 'body', header, 1000)).toBe(false);
    expect(verifySignature('s3cret', 'body!', header, 1000)).toBe(false);
    expect(verifySignature('s3cret', 'body', 't=1000,v1=zz', 1000)).toBe(false);
  });
});

describe('address classification', () => {
  test.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.5',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fe80::1',
    'fe80::1%eth0',
    'fd00::1',
    'fc00::2',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.1.2.3',
    '64:ff9b::192.168.0.1',
    'not-an-address',
  ])('when the address is %s, then it is refused', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  test.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'when the address is %s, then it is public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  test('when a URL is not http(s), carries credentials, or points at a private address, then it is named; allowed, private ones pass', async () => {
    expect(await problemWithUrl('ftp://example.org/x', false)).toMatch(/http or https/);
    expect(await problemWithUrl('not a url', false)).toMatch(/http or https/);
    expect(await problemWithUrl('https://u:p@example.org/', false)).toMatch(/user name or password/);
    expect(await problemWithUrl('http://127.0.0.1:9/hook', false)).toMatch(/127\.0\.0\.1/);
    expect(await problemWithUrl('http://[::1]:9/hook', false)).toMatch(/::1/);
    expect(await problemWithUrl('http://localhost:9/hook', false)).toMatch(/resolves to/);
    expect(await problemWithUrl('http://127.0.0.1:9/hook', true)).toBeNull();
    expect(await problemWithUrl('https://93.184.216.34/hook', false)).toBeNull();
  });
});

describe('sealed secrets', () => {
  const key = (id: string, byte: number) => `${id}:${Buffer.alloc(32, byte).toString('base64')}`;

  test('when sealed with the first key, then any configured key set holding it opens it, and the text is not in the stored form', () => {
    const box = SecretBox.fromSettings({ MIGRATOR_PAYLOAD_KEYS: key('k1', 1), MIGRATOR_PAYLOAD_ENCRYPTION: 'on' });
    const sealed = box.seal('https://hooks.slack.com/services/T000/B000/XXXX');
    expect(sealed).toMatch(/^k1:/);
    expect(sealed).not.toContain('hooks.slack.com');
    const rotated = SecretBox.fromSettings({ MIGRATOR_PAYLOAD_KEYS: `${key('k2', 2)},${key('k1', 1)}`, MIGRATOR_PAYLOAD_ENCRYPTION: 'on' });
    expect(rotated.open(sealed)).toBe('https://hooks.slack.com/services/T000/B000/XXXX');
    expect(rotated.seal('x')).toMatch(/^k2:/);
    const other = SecretBox.fromSettings({ MIGRATOR_PAYLOAD_KEYS: key('k2', 2), MIGRATOR_PAYLOAD_ENCRYPTION: 'on' });
    expect(() => other.open(sealed)).toThrow(/k1/);
    const tampered = `k1:${Buffer.from(Buffer.from(sealed.slice(3), 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64')}`;
    expect(() => box.open(tampered)).toThrow();
  });
});

describe('events and payloads', () => {
  test('when a status is awaiting approval or final, then it names its event; otherwise none', () => {
    expect(eventOfStatus('awaiting_approval')).toBe('execution.awaiting_approval');
    expect(eventOfStatus('failed')).toBe('execution.failed');
    expect(eventOfStatus('running')).toBeNull();
    expect(deliveryWorkflowId('e1', 'execution.failed', 't1')).toBe('notify-e1-execution.failed-t1');
  });

  const facts: EventFacts = {
    deliveryId: 'd1',
    event: 'execution.failed',
    occurredAt: '2025-01-01T00:00:00.000Z',
    target: { id: 't1', name: 'ops' },
    execution: {
      id: 'e1',
      status: 'failed',
      errorCode: 'TIMED_OUT',
      exitCode: null,
      jobId: 'j1',
      jobName: 'import-patients',
      environmentId: 'v1',
      environmentName: 'prod-eu',
      production: true,
      startedBy: 'alice',
      approvalDeadline: null,
      workflowId: 'execution-e1',
    },
  };
  const bases = { publicUrl: 'https://migrator.example.org/', temporalUiUrl: 'https://temporal.example.org', namespace: 'default' };

  test('when the format is json, then the body carries ids, names, status, error code and links', () => {
    const body = JSON.parse(payloadBody('json', facts, bases));
    expect(body).toMatchObject({ id: 'd1', event: 'execution.failed', execution: { id: 'e1', errorCode: 'TIMED_OUT', jobName: 'import-patients' } });
    expect(body.execution.links).toEqual({
      console: 'https://migrator.example.org/executions/e1',
      api: 'https://migrator.example.org/api/v1/executions/e1',
      temporalUi: 'https://temporal.example.org/namespaces/default/workflows/execution-e1',
    });
  });

  test('when the format is slack, then the body has text and blocks with both links', () => {
    const body = JSON.parse(payloadBody('slack', facts, bases));
    expect(body.text).toContain('import-patients on prod-eu failed (TIMED_OUT)');
    expect(JSON.stringify(body.blocks)).toContain('https://migrator.example.org/executions/e1');
    expect(JSON.stringify(body.blocks)).toContain('https://temporal.example.org/namespaces/default/workflows/execution-e1');
  });
});
