import { randomBytes } from 'node:crypto';

import { defaultPayloadConverter } from '@temporalio/common';

import { loadConfig } from '../../src/config';
import { dataConverterFor, failureConverterPath, payloadCodecFor } from '../../src/temporal/dataConverter';
import { AesGcmPayloadCodec, encryptedEncoding, isEncrypted, keyIdMetadata, parsePayloadKeys } from '../../src/temporal/payloadCodec';

const keyA = `a:${randomBytes(32).toString('base64')}`;
const keyB = `b:${randomBytes(32).toString('base64')}`;
const marker = 'patient fabiangc@gmail.com 320623';

describe('the payload codec', () => {
  const value = { params: { medproPractId: marker }, reason: 'approved for the nightly run' };
  const payload = defaultPayloadConverter.toPayload(value);

  test('when a payload is encoded, then neither the value nor its base64 is in it, and it decodes back to the same value', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(keyA));
    const [encrypted] = await codec.encode([payload]);
    const wire = Buffer.from(JSON.stringify({ m: Object.values(encrypted!.metadata!).map((v) => Buffer.from(v!).toString()), d: Buffer.from(encrypted!.data!).toString('latin1') }));
    expect(wire.toString('latin1')).not.toContain(marker);
    expect(wire.toString('latin1')).not.toContain(Buffer.from(marker).toString('base64').slice(0, 20));
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe(encryptedEncoding);
    expect(Buffer.from(encrypted!.metadata![keyIdMetadata]!).toString()).toBe('a');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(value);
  });

  test('when the same payload is encoded twice, then the two ciphertexts differ (a fresh nonce each time)', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(keyA));
    const [one, two] = await codec.encode([payload, payload]);
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
  });

  test('when keys rotate to B,A, then payloads written under A still decode and new ones use B; without A they fail naming key "a"', async () => {
    const [underA] = await new AesGcmPayloadCodec(parsePayloadKeys(keyA)).encode([payload]);
    const rotated = new AesGcmPayloadCodec(parsePayloadKeys(`${keyB},${keyA}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([underA!]))[0]!)).toEqual(value);
    const [underB] = await rotated.encode([payload]);
    expect(Buffer.from(underB!.metadata![keyIdMetadata]!).toString()).toBe('b');
    await expect(new AesGcmPayloadCodec(parsePayloadKeys(keyB)).decode([underA!])).rejects.toThrow(/key "a".*MIGRATOR_PAYLOAD_KEYS/);
  });

  test('when a payload was never encrypted (written before encryption), then it passes through decoding unchanged', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(keyA));
    expect(isEncrypted(payload)).toBe(false);
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  test('when an encrypted payload is tampered with or its key id is swapped, then decoding fails instead of returning garbage', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(`${keyA},${keyB}`));
    const [encrypted] = await codec.encode([payload]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toThrow(/does not authenticate/);
    await expect(codec.decode([{ ...encrypted!, metadata: { ...encrypted!.metadata, [keyIdMetadata]: Buffer.from('b') } }])).rejects.toThrow(/does not authenticate/);
  });

  test.each([
    ['', /holds no key/],
    ['nokey', /keyId:base64key/],
    ['a:short', /32 bytes/],
    [`a b:${randomBytes(32).toString('base64')}`, /key id/],
    [`${keyA},${keyA}`, /twice/],
  ])('when MIGRATOR_PAYLOAD_KEYS is %p, then it is refused naming the variable', (raw, message) => {
    expect(() => parsePayloadKeys(raw)).toThrow(message);
    expect(() => parsePayloadKeys(raw)).toThrow(/MIGRATOR_PAYLOAD_KEYS/);
  });
});

describe('configuration of payload encryption', () => {
  const base = { MIGRATOR_ADMIN_TOKEN: undefined };

  test('when encryption is on and no keys are set, then the processes refuse to start, saying what to set', () => {
    const config = loadConfig({ ...base });
    expect(config.MIGRATOR_PAYLOAD_ENCRYPTION).toBe('on');
    expect(() => payloadCodecFor(config)).toThrow(/MIGRATOR_PAYLOAD_KEYS is not set.*MIGRATOR_PAYLOAD_ENCRYPTION=off/s);
  });

  test('when a key is malformed, then loading the configuration names the variable and the entry', () => {
    expect(() => loadConfig({ MIGRATOR_PAYLOAD_KEYS: 'k1:dGVzdA==' })).toThrow(/MIGRATOR_PAYLOAD_KEYS: .*key "k1" must be 32 bytes/);
    expect(() => loadConfig({ MIGRATOR_PAYLOAD_KEYS: 'no-colon' })).toThrow(/MIGRATOR_PAYLOAD_KEYS: .*entry 1 must be `keyId:base64key`/);
    expect(() => loadConfig({ MIGRATOR_PAYLOAD_ENCRYPTION: 'maybe' })).toThrow(/MIGRATOR_PAYLOAD_ENCRYPTION/);
  });

  test('when keys are set, then clients and workers get the codec and the failure converter; off means plain on purpose', () => {
    const keys = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
    const converter = dataConverterFor(loadConfig({ MIGRATOR_PAYLOAD_KEYS: keys }));
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toBe(failureConverterPath);
    expect(dataConverterFor(loadConfig({ MIGRATOR_PAYLOAD_ENCRYPTION: 'off' }))).toEqual({});
  });
});
