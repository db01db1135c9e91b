/** One server-sent event as the client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads a server-sent event stream until `onEvent` returns false or the server ends it.
 * Comments (keep-alives) are counted, not passed on.
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
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return result;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: '' };
        const data: string[] = [];
        let comment = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comment = true;
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (comment && data.length === 0) {
          result.keepAlives += 1;
          continue;
        }
        event.data = data.join('\n');
        if (onEvent(event) === false) return result;
      }
    }
  } finally {
    controller.abort();
  }
}
