export { approveUpdate, migrationExecution, progressQuery, rejectUpdate } from './migrationExecution';
export { retentionCleanup } from './retentionCleanup';
