import type { components } from './schema';

/** The API's `application/problem+json` body; `code` is stable, `errors` names each bad field. */
export type Problem = components['schemas']['Problem'];

/**
 * An answer of the API that was not a success, with its problem when it sent one. Scripts can
 * switch on `code`; the message is the one line a person needs.
 */
export class MigratorApiError extends Error {
  override readonly name = 'MigratorApiError';

  constructor(
    /** `METHOD /path` of the request, for the message. */
    readonly request: string,
    readonly status: number,
    /** The problem the API answered, or null when the body was not one (a proxy's page, nothing). */
    readonly problem: Problem | null,
  ) {
    super(describe(request, status, problem));
  }

  get code(): Problem['code'] | null {
    return this.problem?.code ?? null;
  }
}

function describe(request: string, status: number, problem: Problem | null): string {
  if (!problem) return `${request} answered ${status}.`;
  const fields = (problem.errors ?? []).map((e) => `${e.path || '(body)'}: ${e.message}`);
  return `${request} answered ${status} ${problem.code}: ${problem.detail}${fields.length ? ` (${fields.join('; ')})` : ''}`;
}

export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number';
}

/** The method of each answer's request, recorded by the client's middleware for messages. */
export const requestMethods = new WeakMap<Response, string>();

/**
 * The `data` of an openapi-fetch result, or a MigratorApiError carrying the problem. For
 * callers that treat every failure as one (scripts, the bench, test helpers).
 */
export function dataOrThrow<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { response } = result;
  if (response.ok) return result.data as T;
  const path = response.url ? new URL(response.url).pathname : '(unknown URL)';
  const method = requestMethods.get(response) ?? 'request';
  throw new MigratorApiError(`${method} ${path}`, response.status, isProblem(result.error) ? result.error : null);
}
