/**
 * What an admin's environment check learns about a host and answers. Shared by the SSH layer
 * that probes, the worker's activity, the workflow that carries it and the API that answers
 * it; a leaf, like the rest of src/model. Everything here may sit in Temporal's history:
 * fingerprints, tool flags, node's version and path, ids; never anything the host printed.
 */

/** What the remote run protocol calls on the host (bash, coreutils, util-linux, procps). */
export const runProtocolTools = ['bash', 'setsid', 'flock', 'tail', 'stdbuf', 'ps', 'awk'] as const;
export type RunProtocolTool = (typeof runProtocolTools)[number];

export type NodeReport = { ok: true; version: string; command: string } | { ok: false; error: string };

/** The node version the environment's runs would get, and which tools of the run protocol the host has. */
export interface HostReport {
  node: NodeReport;
  tools: Record<RunProtocolTool, boolean>;
}

/** Input of the `environmentCheck` workflow and its activity. */
export interface EnvironmentCheckInput {
  environmentId: string;
  /** The admin who asked (a login): the actor of the audit row when the check pins the host key. */
  actor: string;
  /** When the API stops waiting (ms since the epoch): no key is pinned after it, since nobody would hear of it. */
  answerBy: number;
}

/** What the check found; the API adds the environment's address and the time. */
export interface EnvironmentCheckResult extends HostReport {
  /** The fingerprint the host presented, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** The environment had this key pinned already: by an admin, an earlier check, or a concurrent one that recorded it first. */
  pinnedBefore: boolean;
  /** This check recorded the key (none was pinned), audited with the admin as actor. */
  pinnedNow: boolean;
}
