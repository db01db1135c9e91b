import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { startOwnApi, type OwnApi } from '../support/ownApi';
import { startCli, waitForOutput } from './support/cli';
import { startCliWorld, type CliWorld } from './support/world';

describe('migrator run following through an API restart', () => {
  let world: CliWorld;
  let api: OwnApi | undefined;

  beforeAll(async () => {
    world = await startCliWorld();
  });
  afterAll(async () => {
    await api?.stop();
    await world?.stop();
  });

  test('when the API it follows stops mid-run and comes back on the same address, then every line arrives once, in order, and the exit code is the script\'s', async () => {
    const { h } = world;
    const total = 150;
    const release = path.join(h.scriptsDir, 'restart.release');
    // 20 lines, then it waits for the test, so the restart always lands mid-run.
    const script = h.writeScript(
      'restart.js',
      [
        "const fs = require('fs');",
        'let i = 0;',
        'const t = setInterval(() => {',
        `  if (i === 20 && !fs.existsSync(${JSON.stringify(release)})) return;`,
        "  i += 1; (i % 10 === 0 ? console.error : console.log)('line ' + i);",
        `  if (i === ${total}) { clearInterval(t); process.exitCode = 5; }`,
        '}, 10);',
      ].join('\n'),
    );
    const job = await h.createJob({ scriptPath: script });
    api = await startOwnApi(h);
    const port = Number(new URL(api.url).port);
    const run = startCli(['run', job.name, '--env', world.environmentName], { env: { ...world.env, MIGRATOR_URL: api.url } });
    await waitForOutput(run, (o) => o.stdout.includes('line 19\n'));

    await api.stop();
    await new Promise((r) => setTimeout(r, 700));
    api = await startOwnApi(h, {}, port);
    writeFileSync(release, '');

    const result = await run.done;
    expect(result.code).toBe(5);
    const numbers = Array.from({ length: total }, (_, i) => i + 1);
    expect(result.stdout).toBe(numbers.filter((i) => i % 10 !== 0).map((i) => `line ${i}\n`).join(''));
    expect(result.stderr.split('\n').filter((l) => l.startsWith('line '))).toEqual(numbers.filter((i) => i % 10 === 0).map((i) => `line ${i}`));
    expect(result.stderr).toMatch(/lost the live log after line \d+ \(.+\); following again \(attempt 1\)/);
  });
});
