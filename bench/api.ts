import { setTimeout as sleep } from 'node:timers/promises';

import { isFinalStatus } from '../src/model/execution';

/** The fields of `GET /executions/:id` the bench reads. */
export interface ExecutionView {
  id: string;
  status: string;
  exitCode: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  lineCount: number;
}

export interface LogPage {
  lines: { seq: number; stream: string; ts: string; text: string }[];
  nextAfter: number;
  complete: boolean;
}


/** The Migrator HTTP API as an operator scripts it (see scripts/demo.ts `call`). */
export class MigratorApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/v1${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${JSON.stringify(json)}`);
    return json as T;
  }

  /** Finds a named object or creates it, so the bench can run again on one database. */
  async findOrCreate(collection: string, body: { name: string } & Record<string, unknown>): Promise<{ id: string; name: string }> {
    const { items } = await this.call<{ items: { id: string; name: string }[] }>('GET', `/${collection}`);
    return items.find((item) => item.name === body.name) ?? this.call('POST', `/${collection}`, body);
  }

  /** `POST /executions`; resolves with the execution id. */
  async start(jobId: string, environmentId: string, params: Record<string, unknown>): Promise<string> {
    const started = await this.call<{ id: string }>('POST', '/executions', { jobId, environmentId, params });
    return started.id;
  }

  execution(id: string): Promise<ExecutionView> {
    return this.call<ExecutionView>('GET', `/executions/${id}`);
  }

  logs(id: string, after: number, limit: number): Promise<LogPage> {
    return this.call<LogPage>('GET', `/executions/${id}/logs?after=${after}&limit=${limit}`);
  }

  /** Polls `GET /executions/:id` until the status is final; resolves with it and when it was seen. */
  async waitFinal(id: string, pollMs = 50, timeoutMs = 30 * 60_000): Promise<{ execution: ExecutionView; at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const execution = await this.execution(id);
      if (isFinalStatus(execution.status)) return { execution, at: performance.now() };
      if (Date.now() > deadline) throw new Error(`Execution ${id} is still ${execution.status} after ${timeoutMs / 1000} s.`);
      await sleep(pollMs);
    }
  }

  /** Like waitFinal, and throws unless the execution succeeded with exactly `lines` lines. */
  async waitSucceeded(id: string, lines: number | null, pollMs = 50): Promise<{ execution: ExecutionView; at: number }> {
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
