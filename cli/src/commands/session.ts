import type { Command } from '@commander-js/extra-typings';
import { dataOrThrow } from '@migrator/api-client';

import { connect } from '../api';
import { checkProfileName, checkTransport, defaultProfile, normaliseUrl, saveProfile } from '../config';
import type { Context } from '../context';
import { printJson } from '../output';
import { readToken } from '../prompt';

export function addSessionCommands(program: Command<[], { profile?: string; insecure?: true }>, ctx: Context): void {
  program
    .command('login')
    .description('check a token against the API and save both as a profile (the token is read without echo, or from stdin)')
    .requiredOption('--url <url>', "the API's address, e.g. https://migrator.example.com")
    .addHelpText('after', '\nExamples:\n  $ migrator login --url https://migrator.example.com\n  $ migrator login --url https://migrator.example.com --profile prod < token.txt')
    .action(async (options) => {
      const { profile, insecure } = ctx.globals();
      const name = checkProfileName(profile ?? process.env.MIGRATOR_PROFILE ?? defaultProfile);
      const url = normaliseUrl(options.url);
      // Refused before the token is even read: it would have to cross the network in clear.
      checkTransport(url, insecure === true);
      const token = await readToken();
      const me = dataOrThrow(await connect({ url, token, insecure: insecure === true, from: 'login' }).GET('/api/v1/me'));
      saveProfile(ctx.configFile, name, { url, token, ...(insecure ? { insecure: true } : {}) });
      process.stderr.write(`logged in to ${url} as ${me.login} (${me.role}); saved as profile ${name} in ${ctx.configFile}\n`);
    });

  program
    .command('whoami')
    .description('who the API takes you for, with which role, and where the CLI sends requests')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator whoami --profile prod')
    .action(async (options) => {
      const connection = ctx.connection();
      const me = dataOrThrow(await ctx.client().GET('/api/v1/me'));
      if (options.json) return printJson(me);
      process.stdout.write(`${me.login} (${me.role}) at ${connection.url}, token ${JSON.stringify(me.tokenName)}, from ${connection.from}\n`);
    });
}
