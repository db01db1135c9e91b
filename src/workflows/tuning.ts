import { tuningDefaults, type ExecutionTuning } from './types';

/** The execution's tuning with the defaults filled in. */
export function withDefaults(tuning: ExecutionTuning = {}): Required<ExecutionTuning> {
  const given = Object.fromEntries(Object.entries(tuning).filter(([, value]) => value !== undefined));
  return { ...tuningDefaults, ...given };
}
