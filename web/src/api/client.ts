import { createMigratorClient, type MigratorClient } from '@migrator/api-client';

/**
 * The console's one client of the API: the typed client generated from the API's OpenAPI
 * document, authenticated by the session cookie (same origin, so the browser sends it and the
 * page never sees a token).
 */
export const api: MigratorClient = createMigratorClient({ baseUrl: window.location.origin });

/** An API refusal as the page shows it: the problem's detail as is, and the fields it names. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fieldErrors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of an answer, or a ProblemError carrying the server's words. */
export async function unwrap<T>(answer: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (response.ok) return data as T;
  const problem = (error ?? {}) as { code?: string; detail?: string; title?: string; errors?: { path: string; message: string }[] };
  if (response.status === 401) window.dispatchEvent(new CustomEvent('migrator:signed-out'));
  throw new ProblemError(response.status, problem.code ?? 'INTERNAL', problem.detail ?? problem.title ?? `The server answered ${response.status}.`, problem.errors ?? []);
}
