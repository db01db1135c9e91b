import { EventStreamParser } from '@migrator/api-client';

/** One server-sent event as the client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads a server-sent event stream as it comes, with any headers (a malformed Last-Event-ID,
 * none at all), until `onEvent` returns false or the server ends it: for tests of the wire
 * itself. Everything else follows logs with the API client's `followLog`, which shares this
 * parser. Comments (keep-alives) are counted, not passed on.
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: SseEvent) => boolean | void,
): Promise<{ status: number; keepAlives: number; contentType: string | null }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const result = { status: res.status, keepAlives: 0, contentType: res.headers.get('content-type') };
  if (!res.ok || !res.body) {
    await res.text().catch(() => undefined);
    return result;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new EventStreamParser();
  let stopped = false;
  try {
    while (!stopped) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value, (e) => {
        if (stopped) return;
        const event: SseEvent = { event: e.type, data: decoder.decode(e.data) };
        if (e.id !== null) event.id = e.id;
        if (onEvent(event) === false) {
          stopped = true;
          result.keepAlives = parser.keepAlives;
        }
      });
    }
    if (!stopped) result.keepAlives = parser.keepAlives;
    return result;
  } finally {
    controller.abort();
  }
}
