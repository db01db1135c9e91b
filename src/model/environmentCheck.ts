/**
 * What an admin's environment check learns about a host and answers. Shared by the SSH layer
 * that probes and the API that answers; a leaf, like the rest of src/model.
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
