import { EventStreamParser, type StreamEvent } from '@migrator/api-client';

interface Seen {
  id: string | null;
  type: string;
  data: string;
}

/** Feeds `body` to a parser in the given chunk sizes (cycled) and returns what it saw. */
function parse(body: Uint8Array, sizes: number[]): { events: Seen[]; keepAlives: number } {
  const parser = new EventStreamParser();
  const events: Seen[] = [];
  const take = (e: StreamEvent): void => {
    events.push({ id: e.id, type: e.type, data: new TextDecoder().decode(e.data) });
  };
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    parser.push(body.subarray(at, at + size), take);
    at += size;
  }
  return { events, keepAlives: parser.keepAlives };
}

describe('EventStreamParser', () => {
  const line = (seq: number, text: string): string => `id: ${seq}\nevent: log\ndata: ${JSON.stringify({ seq, text })}\n\n`;
  const big = 'é'.repeat(300_000);
  const body = new TextEncoder().encode(
    [
      ': keep-alive\n\n',
      'event: status\ndata: {"status":"running"}\n\n',
      line(1, 'plain'),
      line(2, 'ünïcödé ✓ 𝄞'),
      ': keep-alive\n\n',
      line(3, big),
      'data: first\ndata: second\n\n',
      'id:7\nevent:end\ndata:{"status":"succeeded","lastSeq":3}\n\n',
    ].join(''),
  );
  const expected: Seen[] = [
    { id: null, type: 'status', data: '{"status":"running"}' },
    { id: '1', type: 'log', data: JSON.stringify({ seq: 1, text: 'plain' }) },
    { id: '2', type: 'log', data: JSON.stringify({ seq: 2, text: 'ünïcödé ✓ 𝄞' }) },
    { id: '3', type: 'log', data: JSON.stringify({ seq: 3, text: big }) },
    { id: null, type: 'message', data: 'first\nsecond' },
    { id: '7', type: 'end', data: '{"status":"succeeded","lastSeq":3}' },
  ];

  test('when the stream arrives whole, then every event comes out once with its fields, and keep-alives are counted', () => {
    expect(parse(body, [body.length])).toEqual({ events: expected, keepAlives: 2 });
  });

  test('when chunks cut the stream anywhere (between the two newlines of a blank line, inside characters), then the events are the same', () => {
    for (const sizes of [[1], [2], [3, 1, 7], [64 * 1024], [13, 4096, 1]]) {
      expect(parse(body, sizes)).toEqual({ events: expected, keepAlives: 2 });
    }
  });

  test('when an event is still unfinished, then nothing of it comes out until its blank line arrives', () => {
    const parser = new EventStreamParser();
    const events: string[] = [];
    parser.push(new TextEncoder().encode('id: 1\nevent: log\ndata: {}\n'), (e) => events.push(e.type));
    expect(events).toEqual([]);
    parser.push(new TextEncoder().encode('\n'), (e) => events.push(e.type));
    expect(events).toEqual(['log']);
  });
});
