import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * AES-256-GCM encryption of every payload Migrator hands to Temporal (inputs, results, signal
 * and update arguments, query answers, memo, summary and details, heartbeats, failures): params,
 * approval reasons and failure messages can hold personal data, and Temporal's database is not
 * where that belongs. Node's `crypto` does the cryptography; this only frames it.
 *
 * An encrypted payload has the metadata `encoding: binary/encrypted` and the id of the key that
 * encrypted it; its data is the 12-byte nonce, the ciphertext of the original payload (its
 * metadata and data as JSON), and the 16-byte tag. The key id is authenticated too.
 */

export const encryptedEncoding = 'binary/encrypted';
export const keyIdMetadata = 'encryption-key-id';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

const keysVariable = 'MIGRATOR_PAYLOAD_KEYS';
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `MIGRATOR_PAYLOAD_KEYS`: `keyId:base64key` entries separated by commas, each key 32
 * bytes. The first encrypts; all decrypt. Throws naming the variable and the entry.
 */
export function parsePayloadKeys(raw: string): PayloadKey[] {
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error(`${keysVariable} holds no key; give it one or more \`keyId:base64key\` entries.`);
  const keys = entries.map((entry, i): PayloadKey => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const material = colon > 0 ? entry.slice(colon + 1) : '';
    if (!keyIdPattern.test(id)) {
      throw new Error(`${keysVariable} entry ${i + 1} must be \`keyId:base64key\` with a key id of letters, digits, . _ or - (up to 64).`);
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, '')) {
      throw new Error(`${keysVariable} key "${id}" must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`).`);
    }
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`${keysVariable} names key "${repeated}" twice; key ids must be unique.`);
  return keys;
}

interface PlainEnvelope {
  metadata: Record<string, string>;
  data: string | null;
}

function envelopeOf(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  const envelope: PlainEnvelope = { metadata, data: payload.data ? Buffer.from(payload.data).toString('base64') : null };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

function payloadOf(plain: Buffer): Payload {
  const envelope = JSON.parse(plain.toString('utf8')) as PlainEnvelope;
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(envelope.metadata)) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: envelope.data === null ? undefined : Buffer.from(envelope.data, 'base64') };
}

/** Whether a payload is one this codec (or one with another key) encrypted. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === encryptedEncoding;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('The payload codec needs at least one key.');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /** Payloads without encryption metadata pass through: histories written before encryption still read. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const sealed = Buffer.concat([nonce, cipher.update(envelopeOf(payload)), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: Buffer.from(encryptedEncoding), [keyIdMetadata]: Buffer.from(id) },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[keyIdMetadata];
    const id = idBytes ? Buffer.from(idBytes).toString('utf8') : '';
    const key = this.byId.get(id);
    if (!key) {
      throw new Error(
        `A payload was encrypted with key "${id || '(none)'}", which is not in ${keysVariable} here; add that key back (after the current one) to read it.`,
      );
    }
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < 28) throw new Error(`An encrypted payload (key "${id}") is too short to be one; it was damaged.`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    } catch (err) {
      throw new Error(`An encrypted payload (key "${id}") does not authenticate: it was damaged, or key "${id}" is not the key that encrypted it.`, {
        cause: err,
      });
    }
    return payloadOf(plain);
  }
}
