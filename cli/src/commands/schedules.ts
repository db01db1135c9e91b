import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { dataOrThrow, type MigratorClient, type ScheduleDetail } from '@migrator/api-client';

import { findEnvironment, findJob, findSchedule } from '../api';
import { collect, type Context } from '../context';
import { usageError } from '../errors';
import { printFields, printJson, printTable, when } from '../output';
import { mapParams } from '../params';
import { confirmation, quoteArg } from './run';

type Program = Command<[], { profile?: string; insecure?: true }>;

function seconds(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('expected a whole number of seconds, 1 or more.');
  return Number(value);
}

function overlapPolicy(value: string): 'skip' | 'buffer_one' {
  if (value !== 'skip' && value !== 'buffer_one') throw new InvalidArgumentError('expected skip or buffer_one.');
  return value;
}

const specOf = (s: { cron: string | null; intervalSeconds: number | null; timeZone: string }): string =>
  s.cron ? `cron ${s.cron} (${s.timeZone})` : `every ${s.intervalSeconds} s`;

function showSchedule(s: ScheduleDetail, names: { job: string; environment: string }): void {
  printFields([
    ['name', s.name],
    ['id', s.id],
    ['state', s.state],
    ['job', names.job],
    ['environment', `${names.environment}${s.production ? ' (production)' : ''}`],
    ['params', JSON.stringify(s.params)],
    ['when', specOf(s)],
    ['overlap', s.overlap],
    ['note', s.note],
    ['version', s.version],
    ['approved', s.approvedVersion === null ? null : `version ${s.approvedVersion} by ${s.approvedBy ?? '-'} at ${when(s.approvedAt)}`],
    ['paused by', s.paused ? `${s.pausedBy ?? '-'}${s.pauseReason ? ` (${s.pauseReason})` : ''}` : null],
    ['created by', s.createdBy],
    ['temporal', s.temporalScheduleId],
    ['next runs', s.nextRunTimes === null ? 'unknown (Temporal did not answer)' : s.nextRunTimes.map(when).join(', ') || 'none'],
  ]);
  if (s.runs.length === 0) return;
  process.stdout.write('\n');
  printTable(
    ['RUN', 'AT', 'VERSION', 'OUTCOME', 'EXECUTION OR REASON'],
    s.runs.map((r) => [r.id, when(r.at), r.version === null ? '-' : String(r.version), r.outcome, r.executionId ?? `${r.reasonCode ?? ''}${r.reason ? `: ${r.reason}` : ''}`]),
  );
}

async function namesOf(client: MigratorClient, s: { jobId: string; environmentId: string }) {
  const [jobs, environments] = await Promise.all([client.GET('/api/v1/jobs'), client.GET('/api/v1/environments')]);
  const job = dataOrThrow(jobs).items.find((j) => j.id === s.jobId);
  const environment = dataOrThrow(environments).items.find((e) => e.id === s.environmentId);
  return { job: job?.name ?? s.jobId, environment: environment?.name ?? s.environmentId };
}

/** What an action answered: what it did and the schedule's state in one line, or the whole answer with --json. */
function reportSchedule(s: ScheduleDetail, json: boolean | undefined, what?: string): void {
  if (json) return printJson(s);
  process.stdout.write(`schedule ${s.name}: ${what ? `${what} (${s.state})` : s.state}\n`);
}

export function addScheduleCommands(program: Program, ctx: Context): void {
  const schedules = program.command('schedules').alias('schedule').description('schedules: a job on an environment, run by Temporal on a cron or an interval');
  const detail = async (id: string): Promise<ScheduleDetail> => dataOrThrow(await ctx.client().GET('/api/v1/schedules/{id}', { params: { path: { id } } }));
  const path = (id: string) => ({ params: { path: { id } } });

  schedules
    .command('list')
    .description('every schedule')
    .option('--json', 'print the API answer as JSON')
    .action(async (options) => {
      const client = ctx.client();
      const page = dataOrThrow(await client.GET('/api/v1/schedules'));
      if (options.json) return printJson(page);
      const [jobs, environments] = await Promise.all([client.GET('/api/v1/jobs'), client.GET('/api/v1/environments')]);
      const jobName = new Map(dataOrThrow(jobs).items.map((j) => [j.id, j.name]));
      const environmentName = new Map(dataOrThrow(environments).items.map((e) => [e.id, e.name]));
      printTable(
        ['NAME', 'STATE', 'JOB', 'ENVIRONMENT', 'WHEN', 'VERSION', 'ID'],
        page.items.map((s) => [s.name, s.state, jobName.get(s.jobId) ?? s.jobId, environmentName.get(s.environmentId) ?? s.environmentId, specOf(s), String(s.version), s.id]),
      );
    });

  schedules
    .command('show')
    .description('one schedule, by name or id: its definition, next run times and last runs')
    .argument('<schedule>')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const s = await detail((await findSchedule(ctx.client(), wanted)).id);
      if (options.json) return printJson(s);
      showSchedule(s, await namesOf(ctx.client(), s));
    });

  schedules
    .command('create')
    .description("create a schedule; on production it waits, paused, for a second operator's approval")
    .argument('[args...]', "the job's parameters in order (after --), as `migrator run` takes them")
    .requiredOption('--name <name>', 'the schedule\'s name')
    .requiredOption('--job <job>', 'the job, by name or id')
    .requiredOption('--env <environment>', 'the environment, by name or id')
    .option('--cron <expression>', 'a cron expression (5 to 7 fields, or @daily and the like)')
    .option('--every <seconds>', 'an interval in seconds, instead of --cron', seconds)
    .option('--tz <zone>', 'the IANA time zone of the cron expression', 'UTC')
    .option('--overlap <policy>', 'a run due while the previous one runs: skip or buffer_one', overlapPolicy, 'skip' as const)
    .option('--note <text>', 'for people reading the schedule; never sent to Temporal')
    .option('--param <name=value>', 'a parameter by name (repeatable), instead of by position', collect, [] as string[])
    .option('--confirm <environment>', "a production environment's name, typed back")
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExamples:\n  $ migrator schedules create --name nightly-import --job orchestrate-import --env staging --cron "0 3 * * *" --tz Europe/Berlin -- iclinic drleandro\n  $ migrator schedules create --name ticks --job tick --env dev --every 300 --param label=tick')
    .action(async (args, options) => {
      if ((options.cron === undefined) === (options.every === undefined)) throw usageError('give either --cron or --every, not both and not neither');
      const client = ctx.client();
      const [job, environment] = await Promise.all([findJob(client, options.job), findEnvironment(client, options.env)]);
      const params = mapParams(job, args, options.param);
      const retry = (confirmFlag: string): string =>
        [
          'migrator schedules create --name',
          quoteArg(options.name),
          '--job',
          quoteArg(options.job),
          '--env',
          quoteArg(options.env),
          ...(options.cron === undefined ? ['--every', String(options.every)] : ['--cron', quoteArg(options.cron), '--tz', quoteArg(options.tz)]),
          ...(options.overlap === 'skip' ? [] : ['--overlap', options.overlap]),
          ...(options.note === undefined ? [] : ['--note', quoteArg(options.note)]),
          ...options.param.flatMap((p) => ['--param', quoteArg(p)]),
          confirmFlag,
          ...(args.length ? ['--', ...args.map(quoteArg)] : []),
        ].join(' ');
      const confirmProduction = confirmation(environment, options.confirm, retry, { done: 'created', todo: 'create the schedule' });
      const created = dataOrThrow(
        await client.POST('/api/v1/schedules', {
          body: {
            name: options.name,
            jobId: job.id,
            environmentId: environment.id,
            params,
            cron: options.cron ?? null,
            intervalSeconds: options.every ?? null,
            timeZone: options.tz,
            overlap: options.overlap,
            note: options.note ?? null,
            ...(confirmProduction ? { confirmProduction } : {}),
          },
        }),
      );
      if (options.json) return printJson(created);
      process.stdout.write(`schedule ${created.name} created (${created.id}): ${created.state}\n`);
      if (created.awaitingApproval) process.stderr.write(`it runs on production: another operator approves it with \`migrator schedules approve ${created.name}\`\n`);
    });

  const action = (name: string, summary: string, run: (id: string) => Promise<ScheduleDetail>, done?: (s: ScheduleDetail) => string) =>
    schedules
      .command(name)
      .description(summary)
      .argument('<schedule>', 'the schedule, by name or id')
      .option('--json', 'print the API answer as JSON')
      .action(async (wanted, options) => {
        const s = await run((await findSchedule(ctx.client(), wanted)).id);
        reportSchedule(s, options.json, done?.(s));
      });

  schedules
    .command('pause')
    .description('stop a schedule from running until it is unpaused')
    .argument('<schedule>', 'the schedule, by name or id')
    .option('--reason <text>', 'why, for the audit log and the other operators')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const { id } = await findSchedule(ctx.client(), wanted);
      const body = options.reason === undefined ? {} : { reason: options.reason };
      reportSchedule(dataOrThrow(await ctx.client().POST('/api/v1/schedules/{id}/pause', { ...path(id), body })), options.json);
    });
  action('unpause', 'let a paused schedule run again', async (id) => dataOrThrow(await ctx.client().POST('/api/v1/schedules/{id}/unpause', { ...path(id), body: {} })));
  action(
    'trigger',
    'run a schedule now (on production its approved version); the overlap policy applies',
    async (id) => dataOrThrow(await ctx.client().POST('/api/v1/schedules/{id}/trigger', { ...path(id), body: {} })),
    () => 'triggered',
  );
  action(
    'approve',
    "approve the current version of a production schedule; its author cannot",
    async (id) => dataOrThrow(await ctx.client().POST('/api/v1/schedules/{id}/approve', { ...path(id), body: {} })),
    (s) => `version ${s.approvedVersion} approved by ${s.approvedBy}`,
  );

  schedules
    .command('delete')
    .description('delete a schedule and its Temporal Schedule; its executions and runs stay')
    .argument('<schedule>', 'the schedule, by name or id')
    .action(async (wanted) => {
      const s = await findSchedule(ctx.client(), wanted);
      dataOrThrow(await ctx.client().DELETE('/api/v1/schedules/{id}', path(s.id)));
      process.stdout.write(`schedule ${s.name} deleted\n`);
    });
}
