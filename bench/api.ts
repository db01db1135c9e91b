import { setTimeout as sleep } from 'node:timers/promises';

import { dataOrThrow, type Execution, type MigratorClient, type paths } from '@migrator/api-client';

import { isFinalStatus } from '../src/model/execution';

export type LogPage = paths['/api/v1/executions/{id}/logs']['get']['responses'][200]['content']['application/json'];

/** What the bench does through the API, on the generated client: start, read, wait. */
export class BenchApi {
  constructor(readonly client: MigratorClient) {}

  /** `POST /executions`; resolves with the execution id. */
  async start(jobId: string, environmentId: string, params: Record<string, unknown>): Promise<string> {
    return dataOrThrow(await this.client.POST('/api/v1/executions', { body: { jobId, environmentId, params } })).id;
  }

  async execution(id: string): Promise<Execution> {
    return dataOrThrow(await this.client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
  }

  async logs(id: string, after: number, limit: number): Promise<LogPage> {
    return dataOrThrow(await this.client.GET('/api/v1/executions/{id}/logs', { params: { path: { id }, query: { after, limit } } }));
  }

  /** Polls `GET /executions/:id` until the status is final; resolves with it and when it was seen. */
  async waitFinal(id: string, pollMs = 50, timeoutMs = 30 * 60_000): Promise<{ execution: Execution; at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const execution = await this.execution(id);
      if (isFinalStatus(execution.status)) return { execution, at: performance.now() };
      if (Date.now() > deadline) throw new Error(`Execution ${id} is still ${execution.status} after ${timeoutMs / 1000} s.`);
      await sleep(pollMs);
    }
  }

  /** Like waitFinal, and throws unless the execution succeeded with exactly `lines` lines. */
  async waitSucceeded(id: string, lines: number | null, pollMs = 50): Promise<{ execution: Execution; at: number }> {
    const done = await this.waitFinal(id, pollMs);
    const { execution } = done;
    if (execution.status !== 'succeeded') {
      throw new Error(`Execution ${id} ended ${execution.status} (${execution.errorCode}: ${execution.errorMessage}).`);
    }
    if (lines !== null && execution.lineCount !== lines) {
      throw new Error(`Execution ${id} stored ${execution.lineCount} lines, expected ${lines}.`);
    }
    return done;
  }
}
