/**
 * The Migrator API's client: types generated from its OpenAPI document (`schema.ts`), openapi-fetch
 * calls, errors that carry the API's problem, the live-log follower, and the check of a job's
 * params against the schema the API publishes. Nothing here needs the
 * server's packages, so the console and the CLI depend on this package alone.
 */
import type { components, paths } from './schema';

export { createMigratorClient, type MigratorClient, type MigratorClientOptions } from './client';
export { EventStreamParser, type StreamEvent } from './eventStream';
export {
  followLiveLog,
  type ExecutionStatus,
  type FollowOptions,
  type LiveLogEnd,
  type LiveLogHandlers,
  type LogLine,
  type StreamConnection,
} from './liveLog';
export {
  compileParamsSchema,
  orderedNames,
  paramsOf,
  valuesOf,
  type FormValues,
  type ParamProperty,
  type ParamsSchema,
} from './paramsCheck';
export { dataOrThrow, isProblem, MigratorApiError, type Problem } from './problem';
export type { components, paths } from './schema';

export type Environment = components['schemas']['Environment'];
export type Source = components['schemas']['Source'];
export type Job = components['schemas']['Job'];
export type Token = components['schemas']['Token'];
export type Schedule = components['schemas']['Schedule'];
export type ScheduleDetail = components['schemas']['ScheduleDetail'];
export type NotificationTarget = components['schemas']['NotificationTarget'];
export type NotificationDelivery = components['schemas']['NotificationDelivery'];
/** `GET /executions/:id`. */
export type Execution = paths['/api/v1/executions/{id}']['get']['responses'][200]['content']['application/json'];
/** An item of `GET /executions`. */
export type ExecutionListItem = paths['/api/v1/executions']['get']['responses'][200]['content']['application/json']['items'][number];
