import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { dataOrThrow } from '@migrator/api-client';

import { findNotificationTarget } from '../api';
import type { Context } from '../context';
import { printFields, printJson, printTable, when } from '../output';

type Program = Command<[], { profile?: string; insecure?: true }>;

function limit(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return Number(value);
}

/** Webhook targets are an admin's: the API refuses the others, and the CLI says so as it says any refusal. */
export function addNotificationCommands(program: Program, ctx: Context): void {
  const notifications = program.command('notifications').alias('notification').description('webhook targets told of executions and schedules (admin)');
  const path = (id: string) => ({ params: { path: { id } } });

  notifications
    .command('list')
    .description('every notification target; URLs masked')
    .option('--json', 'print the API answer as JSON')
    .action(async (options) => {
      const page = dataOrThrow(await ctx.client().GET('/api/v1/notifications'));
      if (options.json) return printJson(page);
      printTable(
        ['NAME', 'ENABLED', 'FORMAT', 'EVENTS', 'URL', 'ID'],
        page.items.map((t) => [t.name, t.enabled ? 'yes' : 'no', t.format, t.events.join(','), t.url, t.id]),
      );
    });

  notifications
    .command('show')
    .description('one notification target, by name or id')
    .argument('<target>')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const t = await findNotificationTarget(ctx.client(), wanted);
      if (options.json) return printJson(t);
      printFields([
        ['name', t.name],
        ['id', t.id],
        ['url', t.url],
        ['format', t.format],
        ['enabled', t.enabled],
        ['events', t.events.join(', ')],
        ['environments', t.environmentIds?.join(', ') ?? 'all'],
        ['jobs', t.jobIds?.join(', ') ?? 'all'],
        ['only production', t.onlyProduction],
        ['created by', t.createdBy],
        ['secret rotated', when(t.secretRotatedAt)],
      ]);
    });

  notifications
    .command('deliveries')
    .description("a target's deliveries, newest first: event, attempts, last HTTP status and error")
    .argument('<target>', 'the target, by name or id')
    .option('--limit <n>', 'at most this many', limit, 50)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator notifications deliveries ops-slack --limit 10')
    .action(async (wanted, options) => {
      const t = await findNotificationTarget(ctx.client(), wanted);
      const page = dataOrThrow(await ctx.client().GET('/api/v1/notifications/{id}/deliveries', { params: { path: { id: t.id }, query: { limit: options.limit } } }));
      if (options.json) return printJson(page);
      printTable(
        ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'HTTP', 'CREATED', 'ABOUT', 'ERROR'],
        page.items.map((d) => [
          d.id,
          d.event,
          d.status,
          String(d.attempts),
          d.lastStatus === null ? '-' : String(d.lastStatus),
          when(d.createdAt),
          d.executionId ? `execution ${d.executionId}` : d.scheduleId ? `schedule ${d.scheduleId}` : '-',
          d.lastError ?? '',
        ]),
      );
    });

  notifications
    .command('test')
    .description('send a test event to a target now')
    .argument('<target>', 'the target, by name or id')
    .option('--json', 'print the API answer as JSON')
    .action(async (wanted, options) => {
      const t = await findNotificationTarget(ctx.client(), wanted);
      const sent = dataOrThrow(await ctx.client().POST('/api/v1/notifications/{id}/test', { ...path(t.id), body: {} }));
      if (options.json) return printJson(sent);
      process.stdout.write(`test event for ${t.name} queued as delivery ${sent.deliveryId}; \`migrator notifications deliveries ${t.name}\` shows how it went\n`);
    });
}
