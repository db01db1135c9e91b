import { MigratorError } from '../errors';
import type { HostReport, NodeReport } from '../model/environmentCheck';
import type { SshSession } from './connection';
import { execCollect } from './exec';
import { readAnswer, type Answer } from './hostScripts/answer';
import { hostProbeScript, type NodeSetup } from './hostScripts/checkScripts';
import { toolsOf } from './hostScripts/tools';

export type { HostReport } from '../model/environmentCheck';

function stderrTail(stderr: string): string {
  const text = stderr.trim();
  return text.length > 500 ? `…${text.slice(-500)}` : text;
}

function nodeReportOf(answer: Answer, stderr: string, setup: NodeSetup, where: string): NodeReport {
  const node = setup.nodePath ?? 'node';
  const hint = setup.nodePath
    ? "Set the environment's nodePath to the absolute path of an installed node binary."
    : "Set the environment's nodePath to an absolute path, or its shellInit (e.g. `. \"$HOME/.nvm/nvm.sh\"`) so that `node` is on the PATH.";
  const said = stderrTail(stderr) ? ` The host said: ${stderrTail(stderr)}` : '';
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
export async function checkHost(session: SshSession, setup: NodeSetup, where: string): Promise<HostReport> {
  const script = hostProbeScript(setup);
  const result = await execCollect(session, script.command, { maxBytes: 64 * 1024 });
  if (result.code === null) {
    throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${where} dropped during the check; try again.`);
  }
  if (result.code !== 0) {
    throw new MigratorError('INTERNAL', `The check script failed on ${where} (exit ${result.code}): ${stderrTail(result.stderr)}`);
  }
  const answer = readAnswer(script, result.stdout);
  return { node: nodeReportOf(answer, result.stderr, setup, where), tools: toolsOf(answer) };
}
