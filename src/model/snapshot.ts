import type { ParameterDefinition } from '../jobs/parameters';
import type { Interpreter } from './execution';

/**
 * What an execution runs, fixed when it starts: every attempt of every step uses these, so an
 * admin who edits the job or the environment afterwards changes nothing that was approved or is
 * running. Stored with the execution row; references to credentials (paths, variable names),
 * never secrets.
 */
export interface JobSnapshot {
  name: string;
  scriptPath: string;
  interpreter: Interpreter;
  parameters: ParameterDefinition[];
  timeoutSeconds: number;
}

/** How the host was reached when the execution started. */
export interface TargetSnapshot {
  environmentName: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | null;
  passphraseEnv: string | null;
  useAgent: boolean;
  hostKeyFingerprint: string | null;
  nodePath: string | null;
  shellInit: string | null;
}

/** The environment fields a snapshot copies: while executions are active, an admin may not change them. */
export const connectionFields = [
  'host',
  'port',
  'username',
  'privateKeyPath',
  'passphraseEnv',
  'useAgent',
  'hostKeyFingerprint',
  'nodePath',
  'shellInit',
] as const satisfies readonly (keyof TargetSnapshot)[];

export function jobSnapshotOf(job: JobSnapshot): JobSnapshot {
  return {
    name: job.name,
    scriptPath: job.scriptPath,
    interpreter: job.interpreter,
    parameters: job.parameters,
    timeoutSeconds: job.timeoutSeconds,
  };
}

export function targetSnapshotOf(env: Omit<TargetSnapshot, 'environmentName'> & { name: string }): TargetSnapshot {
  return {
    environmentName: env.name,
    host: env.host,
    port: env.port,
    username: env.username,
    privateKeyPath: env.privateKeyPath,
    passphraseEnv: env.passphraseEnv,
    useAgent: env.useAgent,
    hostKeyFingerprint: env.hostKeyFingerprint,
    nodePath: env.nodePath,
    shellInit: env.shellInit,
  };
}
