import { useMe } from '../auth/useMe';

/**
 * What the signed-in person's role lets the page offer. Only a convenience: the server refuses
 * what the role does not allow anyway.
 */
export function useRole() {
  const role = useMe().data?.role;
  return { isAdmin: role === 'admin', canRun: role === 'admin' || role === 'operator' };
}
