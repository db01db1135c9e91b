import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * The custom search attributes every execution sets, so engineers find runs in the Temporal UI
 * by job, source, environment, starter and production. Registered on dev servers by
 * scripts/lib/temporalDevServer.ts and in docker-compose by the admin-tools service.
 */
export const searchAttributeKeys = {
  job: defineSearchAttributeKey('MigrationJob', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('MigrationSource', SearchAttributeType.KEYWORD),
  environment: defineSearchAttributeKey('MigrationEnvironment', SearchAttributeType.KEYWORD),
  startedBy: defineSearchAttributeKey('MigrationStartedBy', SearchAttributeType.KEYWORD),
  production: defineSearchAttributeKey('MigrationProduction', SearchAttributeType.BOOL),
};

export function executionSearchAttributes(e: {
  job: string;
  source: string;
  environment: string;
  startedBy: string;
  production: boolean;
}): SearchAttributePair[] {
  return [
    { key: searchAttributeKeys.job, value: e.job },
    { key: searchAttributeKeys.source, value: e.source },
    { key: searchAttributeKeys.environment, value: e.environment },
    { key: searchAttributeKeys.startedBy, value: e.startedBy },
    { key: searchAttributeKeys.production, value: e.production },
  ];
}
