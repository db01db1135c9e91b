import type { DataConverter, PayloadCodec } from '@temporalio/common';

import { AesGcmPayloadCodec, parsePayloadKeys } from './payloadCodec';

/** `bundleWorkflowCode` and the data converter load the failure converter from this file. */
export const failureConverterPath = require.resolve('./failureConverter');

export interface PayloadEncryptionSettings {
  MIGRATOR_PAYLOAD_KEYS?: string;
  MIGRATOR_PAYLOAD_ENCRYPTION: 'on' | 'off';
}

/**
 * The codec of what Migrator hands to Temporal, from the configured keys; undefined when
 * encryption is off on purpose. Without keys it refuses, saying what to set.
 */
export function payloadCodecFor(settings: PayloadEncryptionSettings): PayloadCodec | undefined {
  if (settings.MIGRATOR_PAYLOAD_ENCRYPTION === 'off') return undefined;
  if (!settings.MIGRATOR_PAYLOAD_KEYS?.trim()) {
    throw new Error(
      'MIGRATOR_PAYLOAD_KEYS is not set: Migrator encrypts what it hands to Temporal. Set it to `keyId:base64key` ' +
        '(e.g. `k1:$(openssl rand -base64 32)`), the same on every API and worker, or set MIGRATOR_PAYLOAD_ENCRYPTION=off to store payloads in plain text on purpose.',
    );
  }
  return new AesGcmPayloadCodec(parsePayloadKeys(settings.MIGRATOR_PAYLOAD_KEYS));
}

/**
 * The data converter every Temporal client and worker of Migrator uses: payloads through `codec`
 * (encrypted), failures' messages and stacks moved into an encoded payload so they are encrypted
 * too. Workers with a prebuilt workflow bundle must bundle `failureConverterPath` as well.
 */
export function dataConverterWith(codec: PayloadCodec | undefined): DataConverter {
  return codec ? { payloadCodecs: [codec], failureConverterPath } : {};
}

/** `dataConverterWith(payloadCodecFor(settings))`. */
export function dataConverterFor(settings: PayloadEncryptionSettings): DataConverter {
  return dataConverterWith(payloadCodecFor(settings));
}
