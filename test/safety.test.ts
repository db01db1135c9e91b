import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { isFinished, startHarness, type Harness } from './support/harness';

/** Strings that break naive shell quoting; each must reach argv byte for byte. */
const injectionCorpus: string[] = [
  "'",
  "'; rm -rf ~; '",
  '"',
  '"$(id)"',
  '$(touch PWNED)',
  '`touch PWNED`',
  '${HOME}',
  '$HOME',
  'a; touch PWNED',
  'a | touch PWNED',
  'a && touch PWNED',
  'a > PWNED',
  'line1\nline2',
  'carriage\rreturn',
  'tab\there',
  '',
  ' ',
  '-n',
  '--help',
  '-e touch PWNED',
  '~',
  '~/x',
  '*',
  '?',
  '[a-z]*',
  '!!',
  '\\',
  '\\n',
  "it's \"quoted\" \\ twice",
  'ünïcödé ✓ 日本語 🚀',
  '#comment',
  '{a,b}',
  'x'.repeat(4096),
  "'".repeat(1000),
];

describe('execution safety: params are data, timeouts and races', () => {
  let h: Harness;
  let environmentId: string;

  beforeAll(async () => {
    h = await startHarness();
    environmentId = (await h.createEnvironment()).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  test(`when ${injectionCorpus.length} hostile strings are params, then each reaches argv byte for byte and nothing else runs`, async () => {
    const outFile = path.join(h.scriptsDir, 'argv.json');
    const script = h.writeScript(
      'argv.js',
      `require('fs').writeFileSync(${JSON.stringify(outFile)}, JSON.stringify(process.argv.slice(2)));`,
    );
    const parameters = injectionCorpus.map((_, i) => ({ name: `p${i}`, type: 'string' }));
    const job = await h.createJob({ scriptPath: script, parameters });
    const params = Object.fromEntries(injectionCorpus.map((value, i) => [`p${i}`, value]));

    const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params });
    expect(res.status).toBe(202);
    const done = await h.waitForExecution(res.body.id, isFinished);
    expect(done.status).toBe('succeeded');

    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toEqual(injectionCorpus);
    // Neither in the script's directory nor in the home directory did anything get created.
    expect(existsSync(path.join(h.scriptsDir, 'PWNED'))).toBe(false);
    expect(existsSync(path.join(process.env.HOME ?? '/root', 'PWNED'))).toBe(false);
  });

  test('when a script runs past its timeoutSeconds, then it is killed and the execution fails TIMED_OUT', async () => {
    const pidFile = path.join(h.scriptsDir, 'timeout.pid');
    const script = h.writeScript('slow.sh', `echo $$ > ${pidFile}\necho working\nsleep 600\n`);
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash', timeoutSeconds: 3 });

    const res = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
    const done = await h.waitForExecution(res.body.id, isFinished, 30_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'TIMED_OUT' });
    expect(done.errorMessage).toContain('3 s');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const logs = await h.request('GET', `/api/v1/executions/${res.body.id}/logs`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toEqual(['working']);
  });

  test('when two starts of the same job on the same environment race, then exactly one is accepted and the other gets 409 ALREADY_RUNNING', async () => {
    const counter = path.join(h.scriptsDir, 'race.count');
    const script = h.writeScript('race.sh', `echo run >> ${counter}\nsleep 2\n`);
    const job = await h.createJob({ scriptPath: script, interpreter: 'bash' });

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'ALREADY_RUNNING')).toBe(true);

    const accepted = answers.find((a) => a.status === 202)!;
    await h.waitForExecution(accepted.body.id, isFinished);
    expect(readFileSync(counter, 'utf8')).toBe('run\n');
    const { rows } = await h.pool.query('select count(*)::int as n from executions where job_id = $1', [job.id]);
    expect(rows[0].n).toBe(1);

    // Once it finished, the job can run again.
    const again = await h.request('POST', '/api/v1/executions', { jobId: job.id, environmentId, params: {} });
    expect(again.status).toBe(202);
    await h.waitForExecution(again.body.id, isFinished);
  });
});
