import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

import { searchAttributeKeys } from '../temporal/searchAttributes';
import { keepsStatusAndContinues } from './upgrade';

/**
 * Shows the execution's status (one of `executionStatuses` of src/model/execution.ts) and, once
 * there is one, its error code in Temporal's visibility
 * store, so the workflow list tells queued, awaiting approval, rejected and failed apart. Called
 * after the row changed; upserts only what differs, each upsert being a history event.
 */
export function showStatus(status: string, errorCode: string | null = null): void {
  if (!keepsStatusAndContinues()) return;
  const current = workflowInfo().typedSearchAttributes;
  const updates: SearchAttributeUpdatePair[] = [];
  if (current.get(searchAttributeKeys.status) !== status) updates.push({ key: searchAttributeKeys.status, value: status });
  if (errorCode && current.get(searchAttributeKeys.errorCode) !== errorCode) updates.push({ key: searchAttributeKeys.errorCode, value: errorCode });
  if (updates.length > 0) upsertSearchAttributes(updates);
}
