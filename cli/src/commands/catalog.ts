import type { Command } from '@commander-js/extra-typings';
import { dataOrThrow } from '@migrator/api-client';

import { findEnvironment, findJob, findSource } from '../api';
import type { Context } from '../context';
import { printFields, printJson, printTable } from '../output';
import { describeParameters } from '../params';

type Program = Command<[], { profile?: string; insecure?: true }>;

export function addCatalogCommands(program: Program, ctx: Context): void {
  const envs = program.command('envs').alias('env').description('environments: where jobs run');
  envs
    .command('list')
    .description('every environment')
    .option('--json', 'print the API answer as JSON')
    .action(async (options) => {
      const page = dataOrThrow(await ctx.client().GET('/api/v1/environments'));
      if (options.json) return printJson(page);
      printTable(
        ['NAME', 'HOST', 'PRODUCTION', 'MAX', 'HOST KEY', 'ID'],
        page.items.map((e) => [e.name, `${e.username}@${e.host}:${e.port}`, e.production ? 'yes' : 'no', String(e.maxConcurrency), e.hostKeyFingerprint ?? 'not pinned', e.id]),
      );
    });
  envs
    .command('show')
    .description('one environment, by name or id')
    .argument('<environment>')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const env = await findEnvironment(ctx.client(), wanted);
      if (options.json) return printJson(env);
      printFields([
        ['name', env.name],
        ['id', env.id],
        ['ssh', `${env.username}@${env.host}:${env.port}`],
        ['production', env.production],
        ['max concurrency', env.maxConcurrency],
        ['host key', env.hostKeyFingerprint ?? 'not pinned'],
        ['node', env.nodePath],
      ]);
    });
  envs
    .command('check')
    .description("connect from a worker: the host key (pinned on first use), node and the tools a run needs")
    .argument('<environment>')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator env check staging')
    .action(async (wanted, options) => {
      const client = ctx.client();
      const env = await findEnvironment(client, wanted);
      const report = dataOrThrow(await client.POST('/api/v1/environments/{id}/check', { params: { path: { id: env.id } }, body: {} }));
      if (options.json) return printJson(report);
      printFields([
        ['environment', env.name],
        ['host', `${report.host}:${report.port}`],
        ['host key', `${report.hostKeyFingerprint}${report.pinnedNow ? ' (pinned now)' : ''}`],
        ['node', report.node.ok ? (report.node.version ?? 'ok') : 'not found'],
      ]);
    });

  const sources = program.command('sources').alias('source').description('migration sources: the systems data comes from');
  sources
    .command('list')
    .option('--json', 'print the API answer as JSON')
    .action(async (options) => {
      const page = dataOrThrow(await ctx.client().GET('/api/v1/sources'));
      if (options.json) return printJson(page);
      printTable(['NAME', 'SYSTEM', 'ID'], page.items.map((s) => [s.name, s.system, s.id]));
    });
  sources
    .command('show')
    .argument('<source>')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const source = await findSource(ctx.client(), wanted);
      if (options.json) return printJson(source);
      printFields([
        ['name', source.name],
        ['id', source.id],
        ['system', source.system],
        ['description', source.description],
      ]);
    });

  const jobs = program.command('jobs').alias('job').description('jobs: a script and its ordered parameters');
  jobs
    .command('list')
    .option('--json', 'print the API answer as JSON')
    .action(async (options) => {
      const page = dataOrThrow(await ctx.client().GET('/api/v1/jobs'));
      if (options.json) return printJson(page);
      printTable(['NAME', 'PARAMETERS', 'SCRIPT', 'ID'], page.items.map((j) => [j.name, describeParameters(j.parameters), j.scriptPath, j.id]));
    });
  jobs
    .command('show')
    .argument('<job>')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const job = await findJob(ctx.client(), wanted);
      if (options.json) return printJson(job);
      printFields([
        ['name', job.name],
        ['id', job.id],
        ['script', `${job.interpreter} ${job.scriptPath}`],
        ['timeout', `${job.timeoutSeconds} s`],
        ['usage', `migrator run ${job.name} --env ENV -- ${describeParameters(job.parameters)}`],
      ]);
      for (const p of job.parameters) {
        process.stdout.write(`  ${p.name}: ${p.type}${p.required ? '' : ', optional'}${p.values ? ` (${p.values.join(', ')})` : ''}${p.description ? ` — ${p.description}` : ''}\n`);
      }
    });
}
