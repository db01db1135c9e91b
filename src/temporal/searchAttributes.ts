import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * The custom search attributes of an execution, named here and nowhere else: engineers find runs
 * in the Temporal UI by job, source, environment, starter, production, status and error code.
 * Dev servers register them from this list (scripts/lib/temporalDevServer.ts); test/compose.test.ts
 * checks that docker-compose's admin-tools service registers exactly these. Plain text in
 * Temporal's visibility store: names, logins, statuses and codes only, never a param value.
 */
export const searchAttributeKeys = {
  job: defineSearchAttributeKey('MigrationJob', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('MigrationSource', SearchAttributeType.KEYWORD),
  environment: defineSearchAttributeKey('MigrationEnvironment', SearchAttributeType.KEYWORD),
  startedBy: defineSearchAttributeKey('MigrationStartedBy', SearchAttributeType.KEYWORD),
  production: defineSearchAttributeKey('MigrationProduction', SearchAttributeType.BOOL),
  /** The execution's status (queued, awaiting_approval, running, …), kept current by the workflow. */
  status: defineSearchAttributeKey('MigrationStatus', SearchAttributeType.KEYWORD),
  /** The execution's error code once it failed, was rejected or was cancelled. */
  errorCode: defineSearchAttributeKey('MigrationErrorCode', SearchAttributeType.KEYWORD),
};

/** How the Temporal CLI (`--search-attribute`, `operator search-attribute create --type`) spells each type. */
const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Every attribute as `{ name, type }`, the type spelt for the Temporal CLI, to register on a namespace. */
export function searchAttributeRegistrations(): { name: string; type: string }[] {
  return Object.values(searchAttributeKeys).map((key) => ({ name: key.name, type: cliTypeNames[key.type] }));
}

export function executionSearchAttributes(e: {
  job: string;
  source: string;
  environment: string;
  startedBy: string;
  production: boolean;
  status: string;
}): SearchAttributePair[] {
  return [
    { key: searchAttributeKeys.job, value: e.job },
    { key: searchAttributeKeys.source, value: e.source },
    { key: searchAttributeKeys.environment, value: e.environment },
    { key: searchAttributeKeys.startedBy, value: e.startedBy },
    { key: searchAttributeKeys.production, value: e.production },
    { key: searchAttributeKeys.status, value: e.status },
  ];
}
