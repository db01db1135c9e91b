export { migrationExecution } from './migrationExecution';
export { retentionCleanup } from './retentionCleanup';
export { environmentCheck } from './environmentCheck';
export { scheduledRun } from './scheduledRun';
