export { migrationExecution, progressQuery } from './migrationExecution';
