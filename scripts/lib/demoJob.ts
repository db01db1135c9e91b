import path from 'node:path';

import type { JobBody } from './catalog';

const demoScript = path.resolve(__dirname, '..', '..', 'demo', 'orchestrate-import.js');

/** The demo's job (`demo/orchestrate-import.js` of this checkout), the old tool's five arguments in their order. */
export function demoJob(sourceId: string): JobBody {
  return {
    name: 'orchestrate-import',
    sourceId,
    scriptPath: demoScript,
    interpreter: 'node',
    timeoutSeconds: 300,
    parameters: [
      { name: 'sistema', type: 'string', description: 'source system' },
      { name: 'usuario', type: 'email', description: 'operator account on the source' },
      { name: 'practitionerId', type: 'integer', min: 1 },
      { name: 'medproPractId', type: 'string', pattern: '^MP-[0-9]+$' },
      { name: 'patientId', type: 'string', required: false },
    ],
  };
}

/** What the demo runs the job with (a quote in the last one, to show params stay data). */
export const demoParams = { sistema: 'iclinic', usuario: 'ana@clinic.example', practitionerId: 1234, medproPractId: 'MP-5678', patientId: "P-42 (o'neil)" };
