import type { components, paths } from '@migrator/api-client';

import { api, unwrap } from '../api/client';

export type NotificationTarget = components['schemas']['NotificationTarget'];
export type NotificationDelivery = components['schemas']['NotificationDelivery'];
export type NotificationBody = paths['/api/v1/notifications']['post']['requestBody']['content']['application/json'];
export type NotificationEvent = NotificationTarget['events'][number];

export const notificationEvents: readonly { value: NotificationEvent; label: string }[] = [
  { value: 'execution.awaiting_approval', label: 'An execution awaits approval' },
  { value: 'execution.succeeded', label: 'An execution succeeded' },
  { value: 'execution.failed', label: 'An execution failed (timeouts included)' },
  { value: 'execution.cancelled', label: 'An execution was cancelled' },
  { value: 'execution.rejected', label: 'An execution was rejected' },
  { value: 'schedule.run_skipped', label: 'A scheduled run was skipped' },
  { value: 'schedule.awaiting_approval', label: 'A schedule awaits approval' },
];

/** Every notification query starts with this key. */
export const notificationsKey = ['notifications'] as const;

const byId = (id: string) => ({ params: { path: { id } } });

export const notificationApi = {
  list: async () => (await unwrap(api.GET('/api/v1/notifications'))).items,
  create: (body: NotificationBody) => unwrap(api.POST('/api/v1/notifications', { body })),
  patch: (id: string, body: Partial<NotificationBody>) => unwrap(api.PATCH('/api/v1/notifications/{id}', { ...byId(id), body })),
  remove: (id: string) => unwrap(api.DELETE('/api/v1/notifications/{id}', byId(id))),
  test: (id: string) => unwrap(api.POST('/api/v1/notifications/{id}/test', { ...byId(id), body: {} })),
  rotateSecret: (id: string) => unwrap(api.POST('/api/v1/notifications/{id}/rotate-secret', { ...byId(id), body: {} })),
  deliveries: async (id: string) => (await unwrap(api.GET('/api/v1/notifications/{id}/deliveries', { params: { path: { id }, query: { limit: 20 } } }))).items,
};
