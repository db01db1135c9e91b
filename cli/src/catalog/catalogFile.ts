import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

import { usageError } from '../errors';

export type Kind = 'source' | 'environment' | 'job';

/** One item of the file: its kind, name, the fields as written, and the line it starts on. */
export interface DesiredItem {
  kind: Kind;
  name: string;
  line: number;
  fields: Record<string, unknown>;
}

type Check = (value: unknown) => string | null;

const str: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
const nullableStr: Check = (v) => (v === null || typeof v === 'string' ? null : 'must be a string or null');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const int: Check = (v) => (typeof v === 'number' && Number.isInteger(v) ? null : 'must be a whole number');
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;

const parameterFields: Record<string, Check> = {
  name: str,
  type: oneOf('string', 'integer', 'number', 'boolean', 'email', 'enum'),
  required: bool,
  pattern: str,
  values: (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'must be a list of strings'),
  min: (v) => (typeof v === 'number' ? null : 'must be a number'),
  max: (v) => (typeof v === 'number' ? null : 'must be a number'),
  description: str,
};

/** What each kind accepts (the API checks the values further), and what it needs. */
const kinds: Record<Kind, { section: string; fields: Record<string, Check>; required: string[] }> = {
  source: { section: 'sources', fields: { name: str, system: str, description: nullableStr }, required: ['name', 'system'] },
  environment: {
    section: 'environments',
    fields: {
      name: str,
      host: str,
      port: int,
      username: str,
      privateKeyPath: nullableStr,
      passphraseEnv: nullableStr,
      useAgent: bool,
      hostKeyFingerprint: nullableStr,
      nodePath: nullableStr,
      shellInit: nullableStr,
      production: bool,
      maxConcurrency: int,
      approvalTimeoutSeconds: int,
    },
    required: ['name', 'host', 'username'],
  },
  job: {
    section: 'jobs',
    fields: {
      name: str,
      source: str,
      scriptPath: str,
      interpreter: oneOf('node', 'bash', 'python3', 'exec'),
      parameters: (v) => (Array.isArray(v) ? null : 'must be a list'),
      timeoutSeconds: int,
    },
    required: ['name', 'source', 'scriptPath', 'interpreter'],
  },
};

export const sections = Object.fromEntries(Object.entries(kinds).map(([kind, k]) => [k.section, kind as Kind])) as Record<string, Kind>;

/**
 * Reads a catalog file whole and refuses it whole: every syntax error, unknown key, missing or
 * ill-typed value and repeated name, each with its line, before anything is sent.
 */
export function parseCatalog(file: string, text: string): DesiredItem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: string[] = [];
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const report = (node: Node | null | undefined, message: string): void => {
    problems.push(`${file}:${lineOf(node)}: ${message}`);
  };
  for (const err of doc.errors) problems.push(`${file}:${err.linePos?.[0].line ?? 1}: ${err.message.split('\n')[0]}`);
  const items: DesiredItem[] = [];
  if (problems.length === 0) {
    const root = doc.contents;
    if (root !== null && !isMap(root)) report(root, 'the catalog must be a map with sources, environments and jobs');
    for (const pair of isMap(root) ? root.items : []) {
      const section = isScalar(pair.key) ? String(pair.key.value) : '';
      const kind = sections[section];
      if (!kind) {
        report(pair.key as Node, `unknown key ${JSON.stringify(section)}; expected sources, environments or jobs`);
        continue;
      }
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
      if (!isSeq(pair.value)) {
        report(pair.value as Node, `${section} must be a list`);
        continue;
      }
      for (const entry of pair.value.items) {
        const node = entry as Node;
        if (!isMap(node)) {
          report(node, `each of ${section} must be a map of fields`);
          continue;
        }
        const spec = kinds[kind];
        const fields: Record<string, unknown> = {};
        for (const field of node.items) {
          const key = isScalar(field.key) ? String(field.key.value) : '';
          const check = spec.fields[key];
          const value = (field.value as Node | null)?.toJSON() ?? null;
          if (!check) report(field.key as Node, `unknown key ${JSON.stringify(key)} in ${kind}; allowed: ${Object.keys(spec.fields).join(', ')}`);
          else {
            const wrong = check(value);
            if (wrong) report((field.value as Node | null) ?? (field.key as Node), `${kind} ${key} ${wrong}`);
            else fields[key] = value;
          }
          if (key === 'parameters' && isSeq(field.value)) checkParameters(field.value.items as Node[], report);
        }
        for (const needed of spec.required) if (!node.has(needed)) report(node, `${kind} needs ${needed}`);
        if (typeof fields.name === 'string') items.push({ kind, name: fields.name, line: lineOf(node), fields });
      }
    }
    const seen = new Map<string, number>();
    for (const item of items) {
      const key = `${item.kind} ${item.name}`;
      if (seen.has(key)) problems.push(`${file}:${item.line}: ${key} is already defined on line ${seen.get(key)}`);
      else seen.set(key, item.line);
    }
  }
  if (problems.length) throw usageError(`${file} is not a valid catalog; nothing was changed:\n  ${problems.join('\n  ')}`, 'VALIDATION_FAILED');
  return items;
}

function checkParameters(nodes: Node[], report: (node: Node, message: string) => void): void {
  for (const node of nodes) {
    if (!isMap(node)) {
      report(node, 'each parameter must be a map');
      continue;
    }
    for (const field of node.items) {
      const key = isScalar(field.key) ? String(field.key.value) : '';
      const check = parameterFields[key];
      if (!check) report(field.key as Node, `unknown key ${JSON.stringify(key)} in a parameter; allowed: ${Object.keys(parameterFields).join(', ')}`);
      else {
        const wrong = check((field.value as Node | null)?.toJSON() ?? null);
        if (wrong) report((field.value as Node | null) ?? (field.key as Node), `parameter ${key} ${wrong}`);
      }
    }
  }
}
