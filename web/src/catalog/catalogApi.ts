import type { Environment, Job, paths, Source } from '@migrator/api-client';

import { api, unwrap } from '../api/client';

type CreateBody<P extends keyof paths> = paths[P] extends { post: { requestBody: { content: { 'application/json': infer B } } } } ? B : never;
type PatchBody<P extends keyof paths> = paths[P] extends { patch: { requestBody: { content: { 'application/json': infer B } } } } ? B : never;

export type SourceBody = CreateBody<'/api/v1/sources'>;
export type EnvironmentBody = CreateBody<'/api/v1/environments'>;
export type JobBody = CreateBody<'/api/v1/jobs'>;
export type JobParameter = Job['parameters'][number];

/** One kind of catalog entry as the pages use it: list, create, change (archiving included). */
export interface CatalogKind<Item, Body, Patch> {
  key: 'sources' | 'environments' | 'jobs';
  list(includeArchived: boolean): Promise<{ items: Item[] }>;
  create(body: Body): Promise<Item>;
  patch(id: string, body: Patch): Promise<Item>;
}

const includeArchivedQuery = (includeArchived: boolean) => ({ query: { includeArchived: includeArchived ? ('true' as const) : ('false' as const) } });

export const sources: CatalogKind<Source, SourceBody, PatchBody<'/api/v1/sources/{id}'>> = {
  key: 'sources',
  list: (includeArchived) => unwrap(api.GET('/api/v1/sources', { params: includeArchivedQuery(includeArchived) })),
  create: (body) => unwrap(api.POST('/api/v1/sources', { body })),
  patch: (id, body) => unwrap(api.PATCH('/api/v1/sources/{id}', { params: { path: { id } }, body })),
};

export const environments: CatalogKind<Environment, EnvironmentBody, PatchBody<'/api/v1/environments/{id}'>> = {
  key: 'environments',
  list: (includeArchived) => unwrap(api.GET('/api/v1/environments', { params: includeArchivedQuery(includeArchived) })),
  create: (body) => unwrap(api.POST('/api/v1/environments', { body })),
  patch: (id, body) => unwrap(api.PATCH('/api/v1/environments/{id}', { params: { path: { id } }, body })),
};

export const jobs: CatalogKind<Job, JobBody, PatchBody<'/api/v1/jobs/{id}'>> = {
  key: 'jobs',
  list: (includeArchived) => unwrap(api.GET('/api/v1/jobs', { params: includeArchivedQuery(includeArchived) })),
  create: (body) => unwrap(api.POST('/api/v1/jobs', { body })),
  patch: (id, body) => unwrap(api.PATCH('/api/v1/jobs/{id}', { params: { path: { id } }, body })),
};

export type EnvironmentCheck = paths['/api/v1/environments/{id}/check']['post']['responses'][200]['content']['application/json'];

export const checkEnvironment = (id: string): Promise<EnvironmentCheck> =>
  unwrap(api.POST('/api/v1/environments/{id}/check', { params: { path: { id } }, body: {} }));
