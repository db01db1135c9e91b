/** What a token (and the person holding it) may do: each role can do what the ones before it can. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

export function hasRole(have: Role, need: Role): boolean {
  return roles.indexOf(have) >= roles.indexOf(need);
}
