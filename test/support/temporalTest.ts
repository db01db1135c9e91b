import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

import { dataConverterWith, failureConverterPath, payloadCodecFor } from '../../src/temporal/dataConverter';
import { sharedServices } from './env';

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The payload keys of this test run (globalSetup makes them; spawned API and worker processes inherit them). */
export function testPayloadKeys(): string {
  return sharedServices().payloadKeys;
}

/** The payload codec with this run's keys, as the API serves it at /codec. */
export function testPayloadCodec(): PayloadCodec {
  const codec = payloadCodecFor({ MIGRATOR_PAYLOAD_KEYS: testPayloadKeys(), MIGRATOR_PAYLOAD_ENCRYPTION: 'on' });
  if (!codec) throw new Error('The tests encrypt payloads; payloadCodecFor gave no codec.');
  return codec;
}

/** Migrator's data converter with this run's keys: what the API's client and the worker use. */
export function testDataConverter(): DataConverter {
  return dataConverterWith(testPayloadCodec());
}

/** The workflow bundle as a worker builds it: with Migrator's failure converter, which encrypts failures' messages. */
export function bundleTestWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), failureConverterPath, logger: silent });
}
