import { createMigratorClient, MigratorApiError, type LogLine } from '@migrator/api-client';

import { startHarness, type Harness } from './support/harness';

/**
 * A fetch that, for its first `cuts` calls, breaks the response body after `afterBytes` bytes
 * as a dropped connection would, and records the Last-Event-ID each call sent.
 */
function cuttingFetch(cuts: number, afterBytes: number): { fetch: (request: Request) => Promise<Response>; lastEventIds: (string | null)[] } {
  const lastEventIds: (string | null)[] = [];
  const cutting = async (request: Request): Promise<Response> => {
    lastEventIds.push(request.headers.get('last-event-id'));
    const response = await fetch(request);
    if (lastEventIds.length > cuts || !response.body) return response;
    const upstream = response.body.getReader();
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await upstream.read();
        if (done) return controller.close();
        if (passed + value.length >= afterBytes) {
          controller.enqueue(value.subarray(0, afterBytes - passed));
          await upstream.cancel();
          controller.error(new TypeError('terminated: the connection dropped'));
          return;
        }
        passed += value.length;
        controller.enqueue(value);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: cutting, lastEventIds };
}

describe('the API client following a live log', () => {
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness();
    environmentId = (await h.createEnvironment()).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('when the connection drops twice mid-run, then the follower resumes with Last-Event-ID and gets every line once, in order, then the end', async () => {
    const total = 600;
    // Bursts of 50 lines every 100 ms, so the drops land while the script still prints.
    const script = h.writeScript(
      'bursts.js',
      `let i = 0; const t = setInterval(() => { const out = []; for (let k = 0; k < 50; k++) out.push('line ' + ++i); process.stdout.write(out.join('\\n') + '\\n'); if (i >= ${total}) clearInterval(t); }, 100);`,
    );
    const job = await h.createJob({ scriptPath: script });
    const started = await h.client.POST('/api/v1/executions', { body: { jobId: job.id, environmentId, params: {} } });
    const id = started.data!.id;

    const cutting = cuttingFetch(2, 6_000);
    const client = createMigratorClient({ baseUrl: h.url, token: h.adminToken, fetch: cutting.fetch });
    const seqs: number[] = [];
    const texts: string[] = [];
    const statuses: string[] = [];
    const reconnects: number[] = [];
    const end = await client.followLog(
      id,
      {
        onLine(seq, line) {
          seqs.push(seq);
          const decoded: LogLine = line();
          texts.push(decoded.text);
        },
        onStatus: (status) => statuses.push(status),
        onReconnect: ({ lastSeq }) => reconnects.push(lastSeq),
      },
      { reconnectDelayMs: 50 },
    );

    expect(end).toEqual({ status: 'succeeded', lastSeq: total });
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(texts).toEqual(seqs.map((seq) => `line ${seq}`));
    expect(reconnects).toHaveLength(2);
    // Each new connection asked for the lines after the last one received.
    expect(cutting.lastEventIds).toEqual([null, String(reconnects[0]), String(reconnects[1])]);
    expect(reconnects[0]).toBeGreaterThan(0);
    expect(statuses.at(-1)).toBe('succeeded');
    expect(new Set(statuses).size).toBe(statuses.length);
  });

  test('when the execution does not exist, then following it fails at once with the API problem, without retrying', async () => {
    const attempts: string[] = [];
    const client = createMigratorClient({
      baseUrl: h.url,
      token: h.adminToken,
      fetch: (request) => {
        attempts.push(request.url);
        return fetch(request);
      },
    });
    const following = client.followLog('00000000-0000-4000-8000-000000000000', {}, { reconnectDelayMs: 10 });
    await expect(following).rejects.toBeInstanceOf(MigratorApiError);
    await expect(following).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(attempts).toHaveLength(1);
  });
});
