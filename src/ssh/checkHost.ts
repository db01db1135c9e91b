import { MigratorError } from '../errors';
import type { HostReport, NodeReport } from '../model/environmentCheck';
import type { SshSession } from './connection';
import { execCollect } from './exec';
import { readAnswer, type Answer } from './hostScripts/answer';
import { hostProbeScript, type NodeSetup } from './hostScripts/checkScripts';
import { toolsOf } from './hostScripts/tools';

/** What the probe learned, and what the host printed on stderr (shellInit's chatter, node's complaints). */
export interface HostProbe {
  report: HostReport;
  /** For the worker's log only: it may hold anything shellInit prints, so it never goes into a report. */
  hostStderr: string;
}

function nodeReportOf(answer: Answer, setup: NodeSetup, where: string, hostSaid: boolean): NodeReport {
  const node = setup.nodePath ?? 'node';
  const hint = setup.nodePath
    ? "Set the environment's nodePath to the absolute path of an installed node binary."
    : "Set the environment's nodePath to an absolute path, or its shellInit (e.g. `. \"$HOME/.nvm/nvm.sh\"`) so that `node` is on the PATH.";
  const said = hostSaid ? " What the host printed is in the worker's log." : '';
  if (answer.get('node.found') === '0') {
    return { ok: false, error: `\`${node}\` is not found or not executable on ${where}. ${hint}${said}` };
  }
  const command = answer.get('node.command');
  const exit = answer.get('node.exit');
  const version = answer.get('node.version')?.trim() ?? '';
  if (command === undefined || exit === undefined) {
    return { ok: false, error: `The environment's shellInit ended the shell on ${where} before node could be checked; fix shellInit.${said}` };
  }
  if (exit !== '0') {
    return { ok: false, error: `\`${command} --version\` failed on ${where} (exit ${exit}). ${hint}${said}` };
  }
  if (!version) {
    return { ok: false, error: `\`${command} --version\` printed no version on ${where}; check that it is node. ${hint}${said}` };
  }
  return { ok: true, version, command };
}

/**
 * Reports, in one SSH round trip, the node version the environment's runs would get (through
 * its `shellInit` and `nodePath`) and which tools of the run protocol the host has. A missing
 * node or tool is part of the report, not an error; only a broken connection throws.
 */
export async function checkHost(session: SshSession, setup: NodeSetup, where: string): Promise<HostProbe> {
  const script = hostProbeScript(setup);
  const result = await execCollect(session, script.command, { maxBytes: 64 * 1024 });
  if (result.code === null) {
    throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${where} dropped during the check; try again.`);
  }
  const hostStderr = result.stderr.trim();
  if (result.code !== 0) {
    // What the host printed stays in the cause, which the worker logs and Temporal never sees.
    throw new MigratorError(
      'INTERNAL',
      `The check script failed on ${where} (exit ${result.code}); the worker's log has what the host printed.`,
      {},
      { cause: new Error(`The host printed on stderr: ${hostStderr.slice(-500)}`) },
    );
  }
  const answer = readAnswer(script, result.stdout);
  return { report: { node: nodeReportOf(answer, setup, where, hostStderr !== ''), tools: toolsOf(answer) }, hostStderr };
}
