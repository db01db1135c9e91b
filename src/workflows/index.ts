export { migrationExecution } from './migrationExecution';
export { retentionCleanup } from './retentionCleanup';
