import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { dataOrThrow, type Execution } from '@migrator/api-client';

import type { Context } from '../context';
import { followExecution, outcomeExitCode } from '../follow';
import { paint, printFields, printJson, printTable, statusColour, when } from '../output';

function nonNegativeInteger(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more.');
  return Number(value);
}

function positiveInteger(value: string): number {
  const n = nonNegativeInteger(value);
  if (n === 0) throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return n;
}

function showExecution(execution: Execution): void {
  printFields([
    ['id', execution.id],
    ['job', execution.jobName],
    ['source', execution.sourceName],
    ['environment', execution.environmentName],
    ['status', paint(process.stdout, statusColour(execution.status), execution.status)],
    ['exit code', execution.exitCode],
    ['error', execution.errorCode ? `${execution.errorMessage ?? ''} (${execution.errorCode})` : null],
    ['params', JSON.stringify(execution.params)],
    ['started by', execution.startedBy],
    ['approved by', execution.approvedBy],
    ['created', when(execution.createdAt)],
    ['started', when(execution.startedAt)],
    ['finished', when(execution.finishedAt)],
    ['lines', execution.lineCount],
    ['temporal', execution.links.temporalUi],
  ]);
}

function reportAction(execution: Execution, json: boolean | undefined): void {
  if (json) return printJson(execution);
  process.stdout.write(`execution ${execution.id}: ${paint(process.stdout, statusColour(execution.status), execution.status)}\n`);
}

export function addExecutionCommands(program: Command<[], { profile?: string; insecure?: true }>, ctx: Context, exit: (code: number) => void): void {
  program
    .command('ls')
    .description('the history of executions, newest first, with the API\'s filters')
    .option('--status <statuses>', 'one status or several, comma-separated (queued, awaiting_approval, running, succeeded, failed, cancelled, rejected)')
    .option('--job <name>', 'the job, by name')
    .option('--env <name>', 'the environment, by name')
    .option('--source <name>', 'the source, by name')
    .option('--started-by <login>', 'who started it')
    .option('--from <time>', 'created at or after (ISO 8601)')
    .option('--to <time>', 'created before (ISO 8601)')
    .option('--limit <n>', 'at most this many', positiveInteger, 20)
    .option('--cursor <cursor>', 'the nextCursor of a previous page')
    .option('--json', 'print the API answer ({items, nextCursor}) as JSON')
    .addHelpText('after', '\nExamples:\n  $ migrator ls --env prod --status failed,cancelled\n  $ migrator ls --job orchestrate-import --json | jq -r .items[].id')
    .action(async (options) => {
      const query = {
        status: options.status,
        job: options.job,
        environment: options.env,
        source: options.source,
        startedBy: options.startedBy,
        from: options.from,
        to: options.to,
        limit: options.limit,
        cursor: options.cursor,
      };
      const page = dataOrThrow(await ctx.client().GET('/api/v1/executions', { params: { query } }));
      if (options.json) return printJson(page);
      printTable(
        ['ID', 'STATUS', 'EXIT', 'JOB', 'ENVIRONMENT', 'STARTED BY', 'CREATED'],
        page.items.map((e) => [e.id, e.status, e.exitCode === null ? '-' : String(e.exitCode), e.jobName, e.environmentName, e.startedBy, when(e.createdAt)]),
      );
      if (page.nextCursor) process.stderr.write(`more: migrator ls --cursor ${page.nextCursor}\n`);
    });

  program
    .command('show')
    .description('one execution: status, exit code, error code, parameters, who and when')
    .argument('<id>', 'the execution id')
    .option('--json', 'print the API answer as JSON (the authority on how an execution ended)')
    .addHelpText('after', '\nExample:\n  $ migrator show 0b9f… --json | jq .exitCode')
    .action(async (id, options) => {
      const execution = dataOrThrow(await ctx.client().GET('/api/v1/executions/{id}', { params: { path: { id } } }));
      if (options.json) return printJson(execution);
      showExecution(execution);
    });

  program
    .command('logs')
    .description("an execution's log: stdout lines to stdout, stderr lines to stderr")
    .argument('<id>', 'the execution id')
    .option('-f, --follow', 'follow the live log to the end, and exit like run')
    .option('--after <seq>', 'only the lines after this sequence number', nonNegativeInteger, 0)
    .option('--json', 'one JSON object per line ({seq, stream, ts, text, continued}), all on stdout')
    .addHelpText('after', '\nExamples:\n  $ migrator logs 0b9f… -f\n  $ migrator logs 0b9f… --after 1200 --json')
    .action(async (id, options) => {
      const client = ctx.client();
      if (options.follow && !options.json) {
        exit(await followExecution(client, id, { after: options.after, reportStatus: false }));
        return;
      }
      if (options.follow) {
        const end = await client.followLog(id, { onLine: (_seq, line) => process.stdout.write(`${JSON.stringify(line())}\n`) }, { after: options.after });
        const execution = dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
        process.stderr.write(`execution ${id} ${end.status}\n`);
        exit(outcomeExitCode(execution));
        return;
      }
      let after = options.after;
      for (;;) {
        const page = dataOrThrow(await client.GET('/api/v1/executions/{id}/logs', { params: { path: { id }, query: { after, limit: 5000 } } }));
        for (const line of page.lines) {
          if (options.json) process.stdout.write(`${JSON.stringify(line)}\n`);
          else (line.stream === 'stderr' ? process.stderr : process.stdout).write(line.continued ? line.text : `${line.text}\n`);
        }
        if (page.complete || page.lines.length === 0) break;
        after = page.nextAfter;
      }
    });

  program
    .command('cancel')
    .description('cancel an execution: the remote process group gets TERM, then KILL')
    .argument('<id>', 'the execution id')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator cancel 0b9f…')
    .action(async (id, options) => {
      // 202 without a body: the cancellation is under way; what it is now comes from a fresh read.
      const client = ctx.client();
      dataOrThrow(await client.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } } }));
      if (!options.json) process.stderr.write(`cancellation of ${id} requested\n`);
      reportAction(dataOrThrow(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } })), options.json);
    });

  program
    .command('approve')
    .description('approve a production execution started by someone else')
    .argument('<id>', 'the execution id')
    .option('--reason <text>', 'a note kept with the approval')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator approve 0b9f… --reason "checked with the clinic"')
    .action(async (id, options) => {
      const body = options.reason ? { reason: options.reason } : {};
      reportAction(dataOrThrow(await ctx.client().POST('/api/v1/executions/{id}/approve', { params: { path: { id } }, body })), options.json);
    });

  program
    .command('reject')
    .description('reject a production execution awaiting approval')
    .argument('<id>', 'the execution id')
    .requiredOption('--reason <text>', 'why, kept with the rejection')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExample:\n  $ migrator reject 0b9f… --reason "wrong clinic id"')
    .action(async (id, options) => {
      reportAction(dataOrThrow(await ctx.client().POST('/api/v1/executions/{id}/reject', { params: { path: { id } }, body: { reason: options.reason } })), options.json);
    });
}
