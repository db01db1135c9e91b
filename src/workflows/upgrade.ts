import { patched } from '@temporalio/workflow';

/**
 * True for executions whose workflow keeps its status in search attributes and continues as
 * new. Histories of executions started before have neither: replaying them must issue no
 * upsert and no continue-as-new where they have none, or the replay would not match. They take
 * up both from their first step after the upgrade on.
 */
export function keepsStatusAndContinues(): boolean {
  return patched('status-search-attributes-and-continue-as-new');
}
