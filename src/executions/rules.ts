import { MigratorError } from '../errors';

/**
 * The production rules, stated once for the API (at start and decision) and the worker (before
 * the run): the environment's name typed back, and an approval by another person.
 */

/** Refuses a start (or a run) on a production environment whose name was not typed back exactly. */
export function requireProductionConfirmation(environment: { name: string; production: boolean }, confirmProduction: string | null | undefined): void {
  if (!environment.production || confirmProduction === environment.name) return;
  throw new MigratorError(
    'PRODUCTION_CONFIRMATION_REQUIRED',
    `"${environment.name}" is a production environment: type its name back, confirmProduction set to "${environment.name}".`,
    { errors: [{ path: 'confirmProduction', message: `must be the environment's name, "${environment.name}"` }] },
  );
}

/** Four eyes: the approver is a person (a login) other than the one who started it. */
export function isSecondPerson(startedBy: string, approvedBy: string | null | undefined): approvedBy is string {
  return typeof approvedBy === 'string' && approvedBy !== startedBy;
}
