import { Client, Connection, type DataConverter } from '@temporalio/client';

import type { Config } from '../config';

/**
 * A Temporal client for the API and the tools; close its connection when done. `dataConverter`
 * is Migrator's (`dataConverterFor`): every client that starts, signals, updates or queries
 * workflows must encrypt and decrypt as the workers do.
 */
export async function connectTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
  dataConverter: DataConverter,
): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
}
