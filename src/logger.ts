import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr; the process name tells api and worker lines apart when merged. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination(2));
}
