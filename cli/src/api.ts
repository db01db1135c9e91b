import {
  createMigratorClient,
  dataOrThrow,
  type Environment,
  type Job,
  type MigratorClient,
  type NotificationTarget,
  type Schedule,
  type Source,
} from '@migrator/api-client';

import type { Connection } from './config';
import { NetworkError, usageError } from './errors';

/** The generated client for one connection; a request that gets no answer throws a NetworkError naming the URL. */
export function connect(connection: Connection): MigratorClient {
  const fetchOrSayWhere = async (request: Request): Promise<Response> => {
    try {
      return await globalThis.fetch(request);
    } catch (err) {
      if (request.signal.aborted) throw err;
      throw new NetworkError(new URL(request.url).origin, err);
    }
  };
  return createMigratorClient({ baseUrl: connection.url, token: connection.token, fetch: fetchOrSayWhere });
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function byNameOrId<T extends { id: string; name: string }>(kind: string, items: T[], wanted: string, listCommand: string): T {
  const found = uuid.test(wanted) ? items.find((item) => item.id === wanted.toLowerCase()) : items.find((item) => item.name === wanted);
  if (found) return found;
  throw usageError(`no ${kind} named ${JSON.stringify(wanted)}; \`${listCommand}\` lists them`, 'NOT_FOUND');
}

export async function findJob(client: MigratorClient, wanted: string): Promise<Job> {
  const { items } = dataOrThrow(await client.GET('/api/v1/jobs'));
  return byNameOrId('job', items, wanted, 'migrator jobs list');
}

export async function findEnvironment(client: MigratorClient, wanted: string): Promise<Environment> {
  const { items } = dataOrThrow(await client.GET('/api/v1/environments'));
  return byNameOrId('environment', items, wanted, 'migrator envs list');
}

export async function findSource(client: MigratorClient, wanted: string): Promise<Source> {
  const { items } = dataOrThrow(await client.GET('/api/v1/sources'));
  return byNameOrId('source', items, wanted, 'migrator sources list');
}

export async function findSchedule(client: MigratorClient, wanted: string): Promise<Schedule> {
  const { items } = dataOrThrow(await client.GET('/api/v1/schedules'));
  return byNameOrId('schedule', items, wanted, 'migrator schedules list');
}

export async function findNotificationTarget(client: MigratorClient, wanted: string): Promise<NotificationTarget> {
  const { items } = dataOrThrow(await client.GET('/api/v1/notifications'));
  return byNameOrId('notification target', items, wanted, 'migrator notifications list');
}
