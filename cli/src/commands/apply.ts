import { readFileSync, writeFileSync } from 'node:fs';

import type { Command } from '@commander-js/extra-typings';
import { dataOrThrow, type MigratorClient } from '@migrator/api-client';
import { stringify } from 'yaml';

import { parseCatalog } from '../catalog/catalogFile';
import { describeChange, planChanges, type Change, type CurrentCatalog } from '../catalog/plan';
import type { Context } from '../context';
import { usageError } from '../errors';

const collection = { source: '/api/v1/sources', environment: '/api/v1/environments', job: '/api/v1/jobs' } as const;
const item = { source: '/api/v1/sources/{id}', environment: '/api/v1/environments/{id}', job: '/api/v1/jobs/{id}' } as const;

async function currentCatalog(client: MigratorClient): Promise<CurrentCatalog> {
  const query = { includeArchived: 'true' as const };
  const [sources, environments, jobs] = await Promise.all([
    client.GET('/api/v1/sources', { params: { query } }),
    client.GET('/api/v1/environments', { params: { query } }),
    client.GET('/api/v1/jobs', { params: { query } }),
  ]);
  return { sources: dataOrThrow(sources).items, environments: dataOrThrow(environments).items, jobs: dataOrThrow(jobs).items };
}

/** Sends one change; returns the id of what it created. Bodies were checked by the file's rules; the API checks them again. */
async function send(client: MigratorClient, change: Change, createdSources: Map<string, string>): Promise<string | undefined> {
  const withSource = (fields: Record<string, unknown>): Record<string, unknown> =>
    change.action !== 'archive' && change.newSource ? { ...fields, sourceId: createdSources.get(change.newSource) } : fields;
  // The three kinds share one shape of route; openapi-fetch's per-route types cannot follow a union of paths.
  const loose = client as unknown as {
    POST(path: string, init: { body: unknown }): Promise<{ data?: { id: string }; error?: unknown; response: Response }>;
    PATCH(path: string, init: { params: { path: { id: string } }; body: unknown }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
  if (change.action === 'create') return dataOrThrow(await loose.POST(collection[change.kind], { body: withSource(change.body) })).id;
  const body = change.action === 'archive' ? { archived: true } : withSource(change.patch);
  dataOrThrow(await loose.PATCH(item[change.kind], { params: { path: { id: change.id } }, body }));
  return undefined;
}

async function applyFile(ctx: Context, file: string, options: { dryRun?: true; prune?: true }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const desired = parseCatalog(file, text);
  const client = ctx.client();
  const changes = planChanges(desired, await currentCatalog(client), options.prune === true);
  if (changes.length === 0) {
    process.stderr.write('no changes: the catalog already matches the file\n');
    return;
  }
  if (options.dryRun) {
    for (const change of changes) process.stdout.write(`${describeChange(change)}\n`);
    process.stderr.write(`dry run: ${changes.length} change${changes.length === 1 ? '' : 's'} shown, nothing changed\n`);
    return;
  }
  const createdSources = new Map<string, string>();
  for (const [index, change] of changes.entries()) {
    try {
      const id = await send(client, change, createdSources);
      if (change.kind === 'source' && id) createdSources.set(change.name, id);
    } catch (err) {
      const done = changes.slice(0, index);
      process.stderr.write(
        `applied ${done.length} of ${changes.length} changes before the API refused one:\n` +
          done.map((c) => `  applied:     ${describeChange(c)}\n`).join('') +
          changes
            .slice(index)
            .map((c, i) => `  not applied: ${describeChange(c)}${i === 0 ? '  <- refused' : ''}\n`)
            .join(''),
      );
      throw err;
    }
    process.stdout.write(`${describeChange(change)}\n`);
  }
  process.stderr.write(`applied ${changes.length} change${changes.length === 1 ? '' : 's'}\n`);
}

const internal = new Set(['id', 'createdAt', 'updatedAt', 'archivedAt', 'sourceId']);

/**
 * A record as the file writes it. Empty (null) fields are left out: absent from a file means
 * "keep", so an export applied later never clears what was set since (a host key pinned after it).
 */
function strip(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key, value]) => !internal.has(key) && value !== undefined && value !== null));
}

export function addCatalogAsCode(program: Command<[], { profile?: string; insecure?: true }>, ctx: Context): void {
  program
    .command('apply')
    .description('make the sources, environments and jobs of a catalog file exist as written, through the API (each change audited)')
    .requiredOption('-f, --file <catalog.yaml>', 'the catalog file')
    .option('--dry-run', 'print the changes and change nothing')
    .option('--prune', 'archive sources, environments and jobs that the file leaves out')
    .addHelpText(
      'after',
      '\nA field the file leaves out keeps its value. The whole file is checked first; nothing changes if any of it is wrong.\n' +
        'Examples:\n  $ migrator apply -f catalog.yaml --dry-run\n  $ migrator apply -f catalog.yaml --prune',
    )
    .action(async (options) => applyFile(ctx, options.file, options));

  program
    .command('diff')
    .description('what `apply` would change (apply --dry-run)')
    .requiredOption('-f, --file <catalog.yaml>', 'the catalog file')
    .option('--prune', 'include the archives of what the file leaves out')
    .addHelpText('after', '\nExample:\n  $ migrator diff -f catalog.yaml --prune')
    .action(async (options) => applyFile(ctx, options.file, { dryRun: true, prune: options.prune }));

  program
    .command('export')
    .description('the current catalog in the format apply reads (no ids, no timestamps, no archived items)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExample:\n  $ migrator export -o catalog.yaml')
    .action(async (options) => {
      const now = await currentCatalog(ctx.client());
      const active = <T extends { archivedAt: string | null }>(items: T[]): T[] => items.filter((i) => !i.archivedAt);
      const sourceNames = new Map(now.sources.map((s) => [s.id, s.name]));
      const catalog = {
        sources: active(now.sources).map((s) => strip(s)),
        environments: active(now.environments).map((e) => strip(e)),
        jobs: active(now.jobs).map((j) => ({ name: j.name, source: sourceNames.get(j.sourceId), ...strip(j) })),
      };
      const text = stringify(catalog);
      if (options.output) writeFileSync(options.output, text);
      else process.stdout.write(text);
    });
}
