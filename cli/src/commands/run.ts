import type { Command } from '@commander-js/extra-typings';
import { dataOrThrow, type Environment } from '@migrator/api-client';

import { findEnvironment, findJob } from '../api';
import { collect, type Context } from '../context';
import { usageError } from '../errors';
import { followExecution } from '../follow';
import { printJson } from '../output';
import { mapParams } from '../params';

/** Production starts need the environment's name typed back; without it, say exactly what to type. */
export function confirmation(
  environment: Pick<Environment, 'name' | 'production'>,
  confirm: string | undefined,
  retry: (confirmFlag: string) => string,
  outcome: { done: string; todo: string } = { done: 'started', todo: 'start it' },
): string | undefined {
  if (!environment.production) return confirm;
  if (confirm === environment.name) return confirm;
  const given = confirm === undefined ? '' : ` (--confirm ${JSON.stringify(confirm)} is not its name)`;
  throw usageError(
    `${environment.name} is a production environment${given}; nothing was ${outcome.done}. To ${outcome.todo}, run: ${retry(`--confirm ${quoteArg(environment.name)}`)}`,
    'PRODUCTION_CONFIRMATION_REQUIRED',
  );
}

export function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function afterStart(ctx: Context, started: { id: string; status: string }, options: { detach?: true; json?: true }): Promise<number> {
  if (options.detach) {
    if (options.json) printJson(started);
    else process.stdout.write(`${started.id}\n`);
    return 0;
  }
  process.stderr.write(`started execution ${started.id} (${started.status})\n`);
  return followExecution(ctx.client(), started.id, { reportStatus: true });
}

export function addRunCommands(program: Command<[], { profile?: string; insecure?: true }>, ctx: Context, exit: (code: number) => void): void {
  program
    .command('run')
    .description("start a job on an environment with the old command line's positional arguments, follow its log and exit with the script's code")
    .argument('<job>', 'the job, by name or id')
    .argument('[args...]', "the job's parameters in order (after --); an optional last one may be left out")
    .requiredOption('--env <environment>', 'the environment, by name or id')
    .option('--param <name=value>', 'a parameter by name (repeatable), instead of by position', collect, [] as string[])
    .option('--confirm <environment>', "a production environment's name, typed back")
    .option('--detach', 'print the execution id and return at once')
    .option('--json', 'with --detach: print the API answer as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ migrator run orchestrate-import --env staging -- iclinic drleandro 320623 fabiangc@gmail.com 44320\n' +
        '  $ migrator run orchestrate-import --env prod --confirm prod --param source=iclinic --param doctor=drleandro ...',
    )
    .action(async (jobName, args, options) => {
      const client = ctx.client();
      const [job, environment] = await Promise.all([findJob(client, jobName), findEnvironment(client, options.env)]);
      const params = mapParams(job, args, options.param);
      // The flag goes before `--`: after it, everything is a positional argument.
      const retry = (confirmFlag: string): string =>
        ['migrator run', quoteArg(jobName), '--env', quoteArg(options.env), ...options.param.flatMap((p) => ['--param', quoteArg(p)]), confirmFlag, ...(args.length ? ['--', ...args.map(quoteArg)] : [])].join(' ');
      const confirmProduction = confirmation(environment, options.confirm, retry);
      const started = dataOrThrow(
        await client.POST('/api/v1/executions', { body: { jobId: job.id, environmentId: environment.id, params, ...(confirmProduction ? { confirmProduction } : {}) } }),
      );
      exit(await afterStart(ctx, started, options));
    });

  program
    .command('rerun')
    .description('start a new execution with the same job, environment and parameters, and follow it like run')
    .argument('<id>', 'the execution to run again')
    .option('--confirm <environment>', "a production environment's name, typed back")
    .option('--detach', 'print the new execution id and return at once')
    .option('--json', 'with --detach: print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator rerun 0b9f…  --confirm prod')
    .action(async (id, options) => {
      const client = ctx.client();
      const previous = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
      const environment = dataOrThrow(await client.GET('/api/v1/environments/{id}', { params: { path: { id: previous.environmentId } } }));
      const confirmProduction = confirmation(environment, options.confirm, (confirmFlag) => `migrator rerun ${id} ${confirmFlag}`);
      const started = dataOrThrow(await client.POST('/api/v1/executions/{id}/rerun', { params: { path: { id } }, body: confirmProduction ? { confirmProduction } : {} }));
      exit(await afterStart(ctx, started, options));
    });
}
