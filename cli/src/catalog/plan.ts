import type { Environment, Job, Source } from '@migrator/api-client';

import { usageError } from '../errors';
import type { DesiredItem, Kind } from './catalogFile';

/** The catalog as the API has it, archived items included (a file may bring one back). */
export interface CurrentCatalog {
  sources: Source[];
  environments: Environment[];
  jobs: Job[];
}

export type Change =
  | { action: 'create'; kind: Kind; name: string; body: Record<string, unknown>; newSource?: string }
  | { action: 'update'; kind: Kind; name: string; id: string; patch: Record<string, unknown>; before: Record<string, unknown>; newSource?: string }
  | { action: 'archive'; kind: Kind; name: string; id: string };

/** JSON with sorted keys and the API's defaults for parameters, so equal values compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function withParameterDefaults(parameters: unknown): unknown {
  return Array.isArray(parameters) ? parameters.map((p: Record<string, unknown>) => ({ required: true, ...p })) : parameters;
}

function current<T extends { name: string; archivedAt: string | null }>(items: T[], name: string): T | undefined {
  return items.find((i) => i.name === name && !i.archivedAt) ?? items.find((i) => i.name === name);
}

/**
 * What to send so the catalog holds the file: creations and updates in the file's order (sources,
 * environments, jobs), then, with prune, archives of what the file leaves out (jobs first). Only
 * fields the file names are compared: a field it leaves out keeps its value.
 */
export function planChanges(desired: DesiredItem[], now: CurrentCatalog, prune: boolean): Change[] {
  const changes: Change[] = [];
  const sourceIds = new Map(now.sources.filter((s) => !s.archivedAt).map((s) => [s.name, s.id]));
  const order: Kind[] = ['source', 'environment', 'job'];
  for (const kind of order) {
    for (const item of desired.filter((d) => d.kind === kind)) {
      const fields = { ...item.fields };
      let newSource: string | undefined;
      if (kind === 'job') {
        const sourceName = fields.source as string;
        delete fields.source;
        const known = sourceIds.get(sourceName);
        if (!known && desired.some((d) => d.kind === 'source' && d.name === sourceName)) newSource = sourceName;
        else if (!known) throw usageError(`job ${item.name} (line ${item.line}) names source ${JSON.stringify(sourceName)}, which is neither in the file nor in the catalog; nothing was changed`, 'VALIDATION_FAILED');
        // A source this apply creates gets its id then; until then its name stands in.
        fields.sourceId = known ?? `(new source ${sourceName})`;
        if ('parameters' in fields) fields.parameters = withParameterDefaults(fields.parameters);
      }
      const list = (kind === 'source' ? now.sources : kind === 'environment' ? now.environments : now.jobs) as unknown as Array<Record<string, unknown> & { id: string; name: string; archivedAt: string | null }>;
      const existing = current(list, item.name);
      if (!existing) {
        changes.push({ action: 'create', kind, name: item.name, body: fields, ...(newSource ? { newSource } : {}) });
        continue;
      }
      const patch: Record<string, unknown> = {};
      const before: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(fields)) {
        const was = key === 'parameters' ? withParameterDefaults(existing[key]) : existing[key];
        if (canonical(was ?? null) !== canonical(value)) {
          patch[key] = value;
          before[key] = existing[key] ?? null;
        }
      }
      if (existing.archivedAt) {
        patch.archived = false;
        before.archived = true;
      }
      if (Object.keys(patch).length) changes.push({ action: 'update', kind, name: item.name, id: existing.id, patch, before, ...(newSource ? { newSource } : {}) });
    }
  }
  if (prune) {
    const named = new Set(desired.map((d) => `${d.kind} ${d.name}`));
    const leftOut = <T extends { id: string; name: string; archivedAt: string | null }>(kind: Kind, items: T[]): Change[] =>
      items.filter((i) => !i.archivedAt && !named.has(`${kind} ${i.name}`)).map((i) => ({ action: 'archive' as const, kind, name: i.name, id: i.id }));
    changes.push(...leftOut('job', now.jobs), ...leftOut('environment', now.environments), ...leftOut('source', now.sources));
  }
  return changes;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line per change, as `kubectl diff` would say it: `+ create`, `~ update: field old → new`, `- archive`. */
export function describeChange(change: Change): string {
  if (change.action === 'create') return `+ create ${change.kind} ${change.name}`;
  if (change.action === 'archive') return `- archive ${change.kind} ${change.name}`;
  const fields = Object.entries(change.patch).map(([key, value]) => (key === 'archived' ? 'unarchive' : `${key} ${shown(change.before[key])} → ${shown(value)}`));
  return `~ update ${change.kind} ${change.name}: ${fields.join(', ')}`;
}
