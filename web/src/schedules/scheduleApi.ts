import type { components, paths } from '@migrator/api-client';
import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../api/client';

export type Schedule = components['schemas']['Schedule'];
export type ScheduleDetail = components['schemas']['ScheduleDetail'];
export type ScheduleRun = components['schemas']['ScheduleRun'];
export type ScheduleBody = paths['/api/v1/schedules']['post']['requestBody']['content']['application/json'];

/** Every schedule query starts with this key, so a change invalidates the list and the details at once. */
export const schedulesKey = ['schedules'] as const;

const byId = (id: string) => ({ params: { path: { id } } });

export const scheduleApi = {
  list: async () => (await unwrap(api.GET('/api/v1/schedules'))).items,
  get: (id: string) => unwrap(api.GET('/api/v1/schedules/{id}', byId(id))),
  create: (body: ScheduleBody) => unwrap(api.POST('/api/v1/schedules', { body })),
  patch: (id: string, body: Partial<ScheduleBody>) => unwrap(api.PATCH('/api/v1/schedules/{id}', { ...byId(id), body })),
  remove: (id: string) => unwrap(api.DELETE('/api/v1/schedules/{id}', byId(id))),
  pause: (id: string) => unwrap(api.POST('/api/v1/schedules/{id}/pause', { ...byId(id), body: {} })),
  unpause: (id: string) => unwrap(api.POST('/api/v1/schedules/{id}/unpause', { ...byId(id), body: {} })),
  trigger: (id: string) => unwrap(api.POST('/api/v1/schedules/{id}/trigger', { ...byId(id), body: {} })),
  approve: (id: string) => unwrap(api.POST('/api/v1/schedules/{id}/approve', { ...byId(id), body: {} })),
};

/** One schedule with its next run times and last runs; read again every few seconds, as runs come by themselves. */
export function useScheduleDetail(id: string) {
  return useQuery({ queryKey: [...schedulesKey, 'detail', id], queryFn: () => scheduleApi.get(id), refetchInterval: 3000 });
}

/** "every 30 s" or the cron expression, as people read a spec. */
export function describeSpec(s: Pick<Schedule, 'cron' | 'intervalSeconds'>): string {
  if (s.cron) return `cron ${s.cron}`;
  if (s.intervalSeconds !== null) return `every ${s.intervalSeconds} s`;
  return 'no spec';
}

/** The state in words, with who paused or approved it. */
export function describeState(s: Schedule): string {
  if (s.state === 'awaiting_approval') return s.revisionChanged ? 'awaiting approval (its job or environment changed)' : 'awaiting approval by a second operator';
  if (s.state === 'paused') return s.pausedBy ? `paused by ${s.pausedBy}` : 'paused';
  return s.production && s.approvedBy ? `active (approved by ${s.approvedBy})` : 'active';
}
