import type { DataConverter } from '@temporalio/common';

import { AesGcmPayloadCodec, parsePayloadKeys } from './payloadCodec';

/** `bundleWorkflowCode` and the data converter load the failure converter from this file. */
export const failureConverterPath = require.resolve('./failureConverter');

export interface PayloadEncryptionSettings {
  MIGRATOR_PAYLOAD_KEYS?: string;
  MIGRATOR_PAYLOAD_ENCRYPTION: 'on' | 'off';
}

/**
 * The data converter every Temporal client and worker of Migrator uses: payloads encrypted with
 * the configured keys, failures' messages and stacks encoded so they are encrypted too. Without
 * keys it refuses, unless encryption is turned off on purpose.
 */
export function dataConverterFor(settings: PayloadEncryptionSettings): DataConverter | undefined {
  if (settings.MIGRATOR_PAYLOAD_ENCRYPTION === 'off') return undefined;
  if (!settings.MIGRATOR_PAYLOAD_KEYS) {
    throw new Error(
      'MIGRATOR_PAYLOAD_KEYS is not set: Migrator encrypts what it hands to Temporal. Set it to `keyId:base64key` ' +
        '(e.g. `k1:$(openssl rand -base64 32)`), the same on every API and worker, or set MIGRATOR_PAYLOAD_ENCRYPTION=off to store payloads in plain text on purpose.',
    );
  }
  return { payloadCodecs: [new AesGcmPayloadCodec(parsePayloadKeys(settings.MIGRATOR_PAYLOAD_KEYS))], failureConverterPath };
}
