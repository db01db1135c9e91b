import { quote } from 'shell-quote';

/** Wraps a bash script so it runs the same whatever the remote user's login shell is. */
export function bashCommand(script: string): string {
  return `bash -c ${quote([script])}`;
}

/** Words for the shell, each quoted so that it is data, never code, joined by spaces. */
export function shellWords(values: string[]): string {
  return quote(values);
}

export function shellWord(value: string): string {
  return shellWords([value]);
}

/**
 * The one way an environment's `shellInit` runs on a host: evaluated at the start of a
 * subshell, ahead of `body`, with `redirections` applied to the whole subshell.
 *
 * - A subshell, so that its exports reach `body` and nothing after it, and a failure (even an
 *   `exit`) ends only the subshell, which the script around it then reports.
 * - `eval` of one quoted word, so that a syntax error in it fails the eval rather than the
 *   parsing of the whole script, and no text in it (a stray `)`) can close the subshell early.
 * - stdin from /dev/null, so that it can neither wait on the channel nor eat an upload; its
 *   stdout goes to stderr, so that what it prints is never an answer field or a job's output.
 */
export function inSubshellWithInit(shellInit: string | null, body: string[], redirections = ''): string[] {
  const init = shellInit ? [`eval ${shellWord(shellInit)} </dev/null >&2`] : [];
  return ['(', ...init, ...body, redirections ? `) ${redirections}` : ')'];
}
