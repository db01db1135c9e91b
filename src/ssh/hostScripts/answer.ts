import { randomBytes } from 'node:crypto';

import { bashCommand } from './shell';

/** A script for a host that answers on stdout in `key=value` fields, and the marker of its field lines. */
export interface AnsweringScript {
  /** The command line for an exec channel. */
  command: string;
  /** Starts each field line; random for every script, so nothing the script runs can print a field. */
  marker: string;
}

/** A word no program on the host can be expected to print by chance: `<prefix>-<24 hex digits>`. */
export function randomMarker(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** The fields of one answer: what the script stated, each key once. */
export type Answer = ReadonlyMap<string, string>;

/** The shell function scripts answer with: `migrator_answer <key> <value>`. */
export const answerFunction = 'migrator_answer';

/**
 * Builds a script whose `migrator_answer key value` calls are the only lines read back. Each
 * field line starts with this script's random marker, so no output of the programs it runs (a
 * node binary, shellInit, a login file, the contents of a run directory's files) can pose as
 * one; a value's newlines become spaces, so one field is one line.
 */
export function answeringScript(lines: string[]): AnsweringScript {
  const marker = randomMarker('migrator');
  const define = `${answerFunction}() { printf '${marker} %s=%s\\n' "$1" "\${2//$'\\n'/ }"; }`;
  return { command: bashCommand([define, ...lines].join('\n')), marker };
}

/**
 * The fields of a script's stdout. The first statement of a key wins: scripts state what they
 * checked themselves first and run code Migrator does not control (shellInit, node) last, so
 * should a key ever come twice, the one that stands is the one made before any foreign code ran.
 */
export function readAnswer(script: AnsweringScript, stdout: string): Answer {
  const prefix = `${script.marker} `;
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const eq = line.indexOf('=', prefix.length);
    if (eq <= prefix.length) continue;
    const key = line.slice(prefix.length, eq);
    if (!fields.has(key)) fields.set(key, line.slice(eq + 1));
  }
  return fields;
}

/** A field that must be a whole number (a pid, an exit status), or null. */
export function integerField(answer: Answer, key: string): number | null {
  const value = answer.get(key);
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : null;
}
