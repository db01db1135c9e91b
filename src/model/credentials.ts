/**
 * The only environment variables an environment may take its key passphrase from, so that
 * nobody who can edit an environment can make Migrator use `DATABASE_URL` or the like. The API
 * refuses other names when an environment is written; the worker refuses them when it connects.
 */
export const passphraseEnvPrefix = 'MIGRATOR_SSH_PASSPHRASE_';
