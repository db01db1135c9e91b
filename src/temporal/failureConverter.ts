import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures with their message and stack trace moved into an encoded payload, which the payload
 * codec then encrypts: failure messages can name hosts, paths and values. Loaded by path in the
 * workflow bundle (`failureConverterPath`), in workers and in clients.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
