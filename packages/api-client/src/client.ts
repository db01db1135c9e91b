import createClient, { type Client } from 'openapi-fetch';

import { followLiveLog, type FollowOptions, type LiveLogEnd, type LiveLogHandlers } from './liveLog';
import { requestMethods } from './problem';
import type { paths } from './schema';

export interface MigratorClientOptions {
  /** Where the API answers, e.g. `http://127.0.0.1:8080`; the paths carry `/api/v1`. */
  baseUrl: string;
  /** An API token. Without one, requests carry only what the environment adds (a browser's session cookie). */
  token?: string;
  /** A fetch of your own (a proxy, a test that cuts connections); globalThis.fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
}

/** openapi-fetch's client of every documented route, and the live-log follower. */
export interface MigratorClient extends Client<paths> {
  /** See `followLiveLog`: every line once, in order, through dropped connections, to the `end` event. */
  followLog(executionId: string, handlers: LiveLogHandlers, options?: FollowOptions): Promise<LiveLogEnd>;
}

export function createMigratorClient(options: MigratorClientOptions): MigratorClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const client = createClient<paths>({
    baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
  });
  client.use({
    onResponse({ request, response }) {
      requestMethods.set(response, request.method);
    },
  });
  const connection = { baseUrl, token: options.token, fetch: options.fetch };
  return { ...client, followLog: (executionId, handlers, followOptions) => followLiveLog(connection, executionId, handlers, followOptions) };
}
