import path from 'node:path';

import { loopbackEnvironment, startLoopbackSshd, type LoopbackSshd } from './lib/loopbackSshd';
import { readSse } from './lib/sseClient';
import { cacheDir, startStack, type Stack } from './lib/stack';

/**
 * `npm run demo`: brings up what is missing, registers a sample source, environment and job,
 * runs one real migration over SSH on loopback, streams its log, and exits 0 only if it succeeded.
 */
const say = (line: string): void => console.log(`demo | ${line}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the demo reads JSON answers loosely
async function call(stack: Stack, method: string, urlPath: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.apiUrl}/api/v1${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Finds a named object or creates it, so the demo can run again and again on one database. */
async function findOrCreate(stack: Stack, collection: string, body: { name: string } & Record<string, unknown>) {
  const { items } = await call(stack, 'GET', `/${collection}`);
  return items.find((item: { name: string }) => item.name === body.name) ?? call(stack, 'POST', `/${collection}`, body);
}

async function run(): Promise<boolean> {
  let sshd: LoopbackSshd | undefined;
  let stack: Stack | undefined;
  try {
    say('SSH: starting an OpenSSH server on loopback with freshly generated keys...');
    sshd = await startLoopbackSshd({ baseDir: path.join(cacheDir, 'demo-sshd') });
    say(`SSH: sshd on ${sshd.host}:${sshd.port}, host key ${sshd.hostKeyFingerprint}`);
    stack = await startStack(say, { sshKeyDir: sshd.dir });

    const source = await findOrCreate(stack, 'sources', { name: 'iclinic', system: 'iclinic', description: 'iClinic exports' });
    const environment = await call(stack, 'POST', '/environments', loopbackEnvironment(sshd, 'demo'));
    const job = await findOrCreate(stack, 'jobs', {
      name: 'orchestrate-import',
      sourceId: source.id,
      scriptPath: path.resolve(__dirname, '..', 'demo', 'orchestrate-import.js'),
      interpreter: 'node',
      timeoutSeconds: 300,
      parameters: [
        { name: 'sistema', type: 'string', description: 'source system' },
        { name: 'usuario', type: 'email', description: 'operator account on the source' },
        { name: 'practitionerId', type: 'integer', min: 1 },
        { name: 'medproPractId', type: 'string', pattern: '^MP-[0-9]+$' },
        { name: 'patientId', type: 'string', required: false },
      ],
    });
    say(`registered source "${source.name}", environment "${environment.name}", job "${job.name}"`);

    const params = { sistema: 'iclinic', usuario: 'ana@clinic.example', practitionerId: 1234, medproPractId: 'MP-5678', patientId: "P-42 (o'neil)" };
    const started = await call(stack, 'POST', '/executions', { jobId: job.id, environmentId: environment.id, params });
    say(`execution ${started.id} accepted (${started.status}); Temporal UI: ${started.links.temporalUi}`);

    // Follow the live log as the API serves it to any client: server-sent events.
    await readSse(`${stack.apiUrl}/api/v1/executions/${started.id}/logs/stream`, { authorization: `Bearer ${stack.adminToken}` }, (event) => {
      const data = JSON.parse(event.data);
      if (event.event === 'status') say(`status: ${data.status}`);
      if (event.event === 'log') console.log(`  ${String(data.seq).padStart(3)} ${data.stream === 'stderr' ? 'ERR' : 'out'} | ${data.text}`);
      return event.event !== 'end';
    });
    const execution = await call(stack, 'GET', `/executions/${started.id}`);
    say(`finished ${execution.status}${execution.errorCode ? ` (${execution.errorCode}: ${execution.errorMessage})` : ''}, exit code ${execution.exitCode}, ${execution.lineCount} lines stored`);
    say(`inspect the run in the Temporal UI: ${started.links.temporalUi}`);
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
