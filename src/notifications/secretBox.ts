import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { parsePayloadKeys, type PayloadKey } from '../temporal/payloadCodec';

const plainPrefix = 'plain:';

/**
 * Seals short secrets (a target's URL and signing secret) for storage with the payload keys:
 * `<keyId>:<base64 of 12-byte nonce | AES-256-GCM ciphertext | 16-byte tag>`, the key id
 * authenticated. The first key seals, every key opens, so rotating MIGRATOR_PAYLOAD_KEYS keeps
 * old rows readable. With encryption off on purpose, values are stored as `plain:<text>`.
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: PayloadKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  static fromSettings(settings: { MIGRATOR_PAYLOAD_KEYS?: string; MIGRATOR_PAYLOAD_ENCRYPTION: 'on' | 'off' }): SecretBox {
    if (settings.MIGRATOR_PAYLOAD_ENCRYPTION === 'off') return new SecretBox([]);
    return new SecretBox(parsePayloadKeys(settings.MIGRATOR_PAYLOAD_KEYS ?? ''));
  }

  seal(text: string): string {
    const key = this.keys[0];
    if (!key) return `${plainPrefix}${text}`;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
    cipher.setAAD(Buffer.from(key.id, 'utf8'));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `${key.id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (sealed.startsWith(plainPrefix)) return sealed.slice(plainPrefix.length);
    const colon = sealed.indexOf(':');
    const keyId = sealed.slice(0, colon);
    const key = this.byId.get(keyId);
    if (colon <= 0 || !key) {
      throw new Error(`A stored notification secret was sealed with key "${keyId}", which MIGRATOR_PAYLOAD_KEYS no longer holds; add that key back or recreate the target.`);
    }
    const raw = Buffer.from(sealed.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}
