import { quote } from 'shell-quote';

import { MigratorError } from '../errors';
import type { SshSession } from './connection';
import { execCollect } from './exec';
import { bashCommand, interpreterCommand } from './remoteRun';

/** What the remote run protocol calls on the host (bash, coreutils, util-linux, procps). */
export const runProtocolTools = ['bash', 'setsid', 'flock', 'tail', 'stdbuf', 'ps', 'awk'] as const;
export type RunProtocolTool = (typeof runProtocolTools)[number];

export type NodeReport = { ok: true; version: string; command: string } | { ok: false; error: string };

/** What an admin's connectivity check learns about a host. */
export interface HostReport {
  node: NodeReport;
  tools: Record<RunProtocolTool, boolean>;
}

/** The parts of an environment that decide how `node` is found there. */
export interface NodeSetup {
  nodePath: string | null;
  shellInit: string | null;
}

/**
 * Prints `key=value` lines. Only node's own stdout reaches ours (shellInit's goes to stderr), and
 * it comes last and the first occurrence of a key wins, so a chatty binary cannot fake a field.
 */
function probeScript(setup: NodeSetup): string {
  const node = interpreterCommand({ interpreter: 'node', nodePath: setup.nodePath })[0]!;
  return [
    `init=${quote([setup.shellInit ?? ':'])}`,
    `for tool in ${runProtocolTools.join(' ')}; do`,
    '  if command -v "$tool" >/dev/null 2>&1; then echo "tool.$tool=1"; else echo "tool.$tool=0"; fi',
    'done',
    // A subshell, as in the run wrapper, so shellInit's exports reach node and nothing else;
    // eval, so that a syntax error in shellInit fails this probe rather than the whole script.
    '(',
    '  eval "$init" </dev/null >&2',
    `  cmd=$(command -v ${quote([node])}) || { echo node.found=0; exit 0; }`,
    `  printf 'node.command=%s\\n' "$cmd"`,
    '  version=$("$cmd" --version </dev/null)',
    `  printf 'node.exit=%s\\n' "$?"`,
    `  printf 'node.version=%s\\n' "$version"`,
    ')',
    'exit 0',
  ].join('\n');
}

function fieldsOf(stdout: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !fields.has(line.slice(0, eq))) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

function stderrTail(stderr: string): string {
  const text = stderr.trim();
  return text.length > 500 ? `…${text.slice(-500)}` : text;
}

function nodeReportOf(fields: Map<string, string>, stderr: string, setup: NodeSetup, where: string): NodeReport {
  const node = setup.nodePath ?? 'node';
  const hint = setup.nodePath
    ? "Set the environment's nodePath to the absolute path of an installed node binary."
    : "Set the environment's nodePath to an absolute path, or its shellInit (e.g. `. \"$HOME/.nvm/nvm.sh\"`) so that `node` is on the PATH.";
  const said = stderrTail(stderr) ? ` The host said: ${stderrTail(stderr)}` : '';
  if (fields.get('node.found') === '0') {
    return { ok: false, error: `\`${node}\` is not found or not executable on ${where}. ${hint}${said}` };
  }
  const command = fields.get('node.command');
  const exit = fields.get('node.exit');
  const version = fields.get('node.version')?.trim() ?? '';
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
  const result = await execCollect(session, bashCommand(probeScript(setup)), { maxBytes: 64 * 1024 });
  if (result.code === null) {
    throw new MigratorError('SSH_UNREACHABLE', `The SSH connection to ${where} dropped during the check; try again.`);
  }
  if (result.code !== 0) {
    throw new MigratorError('INTERNAL', `The check script failed on ${where} (exit ${result.code}): ${stderrTail(result.stderr)}`);
  }
  const fields = fieldsOf(result.stdout);
  const tools = Object.fromEntries(runProtocolTools.map((tool) => [tool, fields.get(`tool.${tool}`) === '1'])) as Record<RunProtocolTool, boolean>;
  return { node: nodeReportOf(fields, result.stderr, setup, where), tools };
}
