import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { failureConverterPath } from '../temporal/dataConverter';

const run = promisify(execFile);

/**
 * Bundles the workflow code in a short-lived child process and returns the bundle's path.
 * Bundling in the worker itself would leave webpack and its garbage in the worker's heap
 * (about 90 MB of RSS here) for the whole life of the process, and a larger heap lets every
 * later garbage collection wait longer. The bundle carries Migrator's failure converter
 * (messages and stacks encrypted), which workflow code gets only through the bundle.
 */
export async function bundleWorkflowsApart(): Promise<{ codePath: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'migrator-workflows-'));
  const codePath = path.join(dir, 'workflow-bundle.js');
  const script = [
    "const { bundleWorkflowCode } = require('@temporalio/worker');",
    "const { writeFileSync } = require('node:fs');",
    'const [workflowsPath, codePath, failureConverterPath] = process.argv.slice(1);',
    'const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };',
    'bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quiet }).then(',
    '  ({ code }) => writeFileSync(codePath, code),',
    '  (err) => { console.error(err); process.exit(1); },',
    ');',
  ].join('\n');
  try {
    await run(process.execPath, ['-e', script, require.resolve('../workflows'), codePath, failureConverterPath], { cwd: __dirname, maxBuffer: 16 << 20 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Bundling the workflow code failed: ${(err as { stderr?: string }).stderr || String(err)}`, { cause: err });
  }
  return { codePath, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
