import path from 'node:path';

import { createMigratorClient, dataOrThrow } from '@migrator/api-client';

import { ensureJob, ensureSource } from './lib/catalog';
import { demoJob, demoParams } from './lib/demoJob';
import { loopbackEnvironment, startLoopbackSshd, type LoopbackSshd } from './lib/loopbackSshd';
import { cacheDir, startStack, type Stack } from './lib/stack';

/**
 * `npm run demo`: brings up what is missing, registers a sample source, environment and job,
 * runs one real migration over SSH on loopback, streams its log, and exits 0 only if it succeeded.
 * The job is brought to this checkout's script on every run: the database is shared with any
 * other checkout's demo, and a job left pointing at another clone's path would run that one.
 */
const say = (line: string): void => console.log(`demo | ${line}`);

async function run(): Promise<boolean> {
  let sshd: LoopbackSshd | undefined;
  let stack: Stack | undefined;
  try {
    say('SSH: starting an OpenSSH server on loopback with freshly generated keys...');
    sshd = await startLoopbackSshd({ baseDir: path.join(cacheDir, 'demo-sshd') });
    say(`SSH: sshd on ${sshd.host}:${sshd.port}, host key ${sshd.hostKeyFingerprint}`);
    stack = await startStack(say, { sshKeyDir: sshd.dir });
    const client = createMigratorClient({ baseUrl: stack.apiUrl, token: stack.adminToken });

    const source = await ensureSource(client, { name: 'iclinic', system: 'iclinic', description: 'iClinic exports' });
    // A new environment per run: the loopback sshd has a new port and host key each time.
    const environment = dataOrThrow(await client.POST('/api/v1/environments', { body: loopbackEnvironment(sshd, 'demo') }));
    const job = await ensureJob(client, demoJob(source.id));
    say(`registered source "${source.name}", environment "${environment.name}", job "${job.name}" (${job.scriptPath})`);

    const started = dataOrThrow(await client.POST('/api/v1/executions', { body: { jobId: job.id, environmentId: environment.id, params: demoParams } }));
    say(`execution ${started.id} accepted (${started.status}); Temporal UI: ${started.links.temporalUi}`);

    // The live log as any client gets it: server-sent events, resumed if the connection drops.
    await client.followLog(started.id, {
      onStatus: (status) => say(`status: ${status}`),
      onLine(seq, read) {
        const line = read();
        console.log(`  ${String(seq).padStart(3)} ${line.stream === 'stderr' ? 'ERR' : 'out'} | ${line.text}`);
      },
      onReconnect: ({ lastSeq }) => say(`log stream interrupted after line ${lastSeq}; following again...`),
    });
    const execution = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id: started.id } } }));
    say(
      `finished ${execution.status}${execution.errorCode ? ` (${execution.errorCode}: ${execution.errorMessage})` : ''}, ` +
        `exit code ${execution.exitCode}, ${execution.lineCount} lines stored`,
    );
    say(`inspect the run in the Temporal UI: ${started.links.temporalUi}`);
    say(
      'its params and messages are encrypted there: to read them, sign in to the console (`npm run dev`, http://127.0.0.1:8080/) ' +
        'and point the UI\'s codec settings at http://127.0.0.1:8080/codec with "Include cross-origin credentials" (README, "Encrypted payloads").',
    );
    if (stack.ownsTemporal) {
      say(
        'that Temporal UI stops with this demo, which exits now. `npm run dev` starts it again, with this run in its history, ' +
          'and keeps it up until Ctrl-C, beside the API on http://127.0.0.1:8080/api/v1 and its reference page at /api/v1/docs.',
      );
    } else {
      say(`that Temporal UI belongs to the Temporal server already running at ${stack.temporalAddress}, so it stays up after the demo.`);
    }
    return execution.status === 'succeeded';
  } finally {
    await stack?.stop();
    await sshd?.stop();
  }
}

run().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    console.error(`demo | failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
