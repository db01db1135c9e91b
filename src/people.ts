/**
 * People, as Migrator tells them apart: by login, never by a token's free-text name. Four eyes
 * compare logins, so `Alice` and `alice ` are one person. The same rule is the SQL function
 * `migrator_login` (db/migrations/0005), which migrated the history.
 */
export function normaliseLogin(raw: string): string {
  const login = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._@]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return login || 'unknown';
}

/** What an admin may give as a token's owner: the normalised form of it is stored. */
export const loginPattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
