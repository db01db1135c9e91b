export { migrationExecution } from './migrationExecution';
export { retentionCleanup } from './retentionCleanup';
export { environmentCheck } from './environmentCheck';
export { deliverNotification } from './deliverNotification';
export { scheduledRun } from './scheduledRun';
