import { dataOrThrow, type Job, type MigratorClient, type paths, type Source } from '@migrator/api-client';

export type SourceBody = paths['/api/v1/sources']['post']['requestBody']['content']['application/json'];
export type JobBody = paths['/api/v1/jobs']['post']['requestBody']['content']['application/json'];
export type EnvironmentBody = paths['/api/v1/environments']['post']['requestBody']['content']['application/json'];

/** The fields of `wanted` whose value `current` does not have (compared as JSON), and a restore when archived. */
function changes<T extends object>(current: { archivedAt: string | null }, wanted: T): Partial<T> & { archived?: false } {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (JSON.stringify((current as Record<string, unknown>)[key]) !== JSON.stringify(value)) changed[key] = value;
  }
  if (current.archivedAt !== null) changed.archived = false;
  return changed as Partial<T> & { archived?: false };
}

/**
 * The source named `wanted.name`, made to say what `wanted` says: created, or changed (and
 * restored when archived), so a script can run again and again on one database.
 */
export async function ensureSource(client: MigratorClient, wanted: SourceBody): Promise<Source> {
  const { items } = dataOrThrow(await client.GET('/api/v1/sources', { params: { query: { includeArchived: 'true' } } }));
  const found = items.find((item) => item.name === wanted.name);
  if (!found) return dataOrThrow(await client.POST('/api/v1/sources', { body: wanted }));
  const body = changes(found, wanted);
  if (Object.keys(body).length === 0) return found;
  return dataOrThrow(await client.PATCH('/api/v1/sources/{id}', { params: { path: { id: found.id } }, body }));
}

/**
 * The job named `wanted.name`, made to say what `wanted` says. A job of that name may have been
 * registered by another checkout on the same database, with its own script path: the caller's
 * path, parameters and source win, so what runs is the caller's script.
 */
export async function ensureJob(client: MigratorClient, wanted: JobBody): Promise<Job> {
  const { items } = dataOrThrow(await client.GET('/api/v1/jobs', { params: { query: { includeArchived: 'true' } } }));
  const found = items.find((item) => item.name === wanted.name);
  if (!found) return dataOrThrow(await client.POST('/api/v1/jobs', { body: wanted }));
  const body = changes(found, wanted);
  if (Object.keys(body).length === 0) return found;
  return dataOrThrow(await client.PATCH('/api/v1/jobs/{id}', { params: { path: { id: found.id } }, body }));
}
