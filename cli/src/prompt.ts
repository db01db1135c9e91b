import { createInterface } from 'node:readline';

import { CliError, usageError } from './errors';
import { exitCodes } from './exitCodes';

/** Everything on stdin, for `echo $TOKEN | migrator login`. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a secret from the terminal without echoing it: raw mode, one keypress at a time. */
export function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(secret);
    };
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CliError('interrupted', 'INTERRUPTED', exitCodes.interrupted));
        if (char === '\u007f' || char === '\b') secret = [...secret].slice(0, -1).join('');
        else secret += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** A token from a no-echo prompt on a terminal, or the whole of stdin otherwise. */
export async function readToken(): Promise<string> {
  const token = (process.stdin.isTTY ? await promptSecret('API token (input hidden): ') : await readStdin()).trim();
  if (!token) throw usageError('no token given: type it at the prompt, or pipe it in (`migrator login --url URL < token-file`)');
  if (/\s/.test(token)) throw usageError('the token must be one word without spaces or line breaks');
  return token;
}

/** A question on the terminal: its answer (lower case, '' when closed first), and a way to withdraw it. */
export interface Question {
  answer: Promise<string>;
  close(): void;
}

/** One line of answer from the terminal, the question on stderr. */
export function ask(question: string): Question {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const answer = new Promise<string>((resolve) => {
    rl.question(question, (text) => resolve(text.trim().toLowerCase()));
    rl.on('SIGINT', () => resolve(''));
    rl.on('close', () => resolve(''));
  }).finally(() => rl.close());
  return { answer, close: () => rl.close() };
}
