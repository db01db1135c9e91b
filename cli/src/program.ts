import { Command } from '@commander-js/extra-typings';

import { addCatalogAsCode } from './commands/apply';
import { addCatalogCommands } from './commands/catalog';
import { addExecutionCommands } from './commands/executions';
import { addNotificationCommands } from './commands/notifications';
import { addRunCommands } from './commands/run';
import { addScheduleCommands } from './commands/schedules';
import { addSessionCommands } from './commands/session';
import { createContext } from './context';

declare const MIGRATOR_CLI_VERSION: string | undefined;

/** The whole command line; `exit` records the code a command wants the process to end with. */
export function buildProgram(exit: (code: number) => void): Command<[], { profile?: string; insecure?: true }> {
  const program = new Command('migrator')
    .description('Run and watch Migrator executions through its HTTP API.')
    .version(typeof MIGRATOR_CLI_VERSION === 'string' ? MIGRATOR_CLI_VERSION : 'dev')
    .option('--profile <name>', 'the saved profile to use (see `migrator login`); MIGRATOR_PROFILE by default')
    .option('--insecure', 'allow sending the token over plain http to a host other than loopback')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nConfiguration: MIGRATOR_URL and MIGRATOR_TOKEN, or a profile saved by `migrator login --url URL` in $XDG_CONFIG_HOME/migrator/config.json.\n' +
        'Exit codes: the script\'s own when it ran to its end; 2 usage; 118 network; 119 refused by the API; 120 failed; 121 rejected; 122 approval timeout; 123 cancelled; 124 timed out; 130 stopped following.',
    );
  const ctx = createContext(() => program.opts());
  addSessionCommands(program, ctx);
  addRunCommands(program, ctx, exit);
  addExecutionCommands(program, ctx, exit);
  addCatalogCommands(program, ctx);
  addCatalogAsCode(program, ctx);
  addScheduleCommands(program, ctx);
  addNotificationCommands(program, ctx);
  return program;
}
