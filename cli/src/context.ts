import type { MigratorClient } from '@migrator/api-client';

import { connect } from './api';
import { configPath, resolveConnection, type Connection } from './config';

/** The options every command takes, and what they resolve to, computed once and only when a command needs the API. */
export interface Context {
  configFile: string;
  globals(): { profile?: string; insecure?: true };
  connection(): Connection;
  client(): MigratorClient;
}

export function createContext(globals: Context['globals']): Context {
  let connection: Connection | undefined;
  let client: MigratorClient | undefined;
  const configFile = configPath();
  return {
    configFile,
    globals,
    connection() {
      const { profile, insecure } = globals();
      connection ??= resolveConnection({ env: process.env, profile, insecure: insecure === true, file: configFile });
      return connection;
    },
    client() {
      client ??= connect(this.connection());
      return client;
    },
  };
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
