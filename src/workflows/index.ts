export { approveUpdate, migrationExecution, progressQuery, rejectUpdate } from './migrationExecution';
