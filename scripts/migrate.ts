import { loadConfig } from '../src/config';
import { runMigrations } from '../src/db/migrate';
import { createLogger } from '../src/logger';

const config = loadConfig();
runMigrations(config.DATABASE_URL, createLogger('migrate', config.LOG_LEVEL))
  .then((applied) => console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.'))
  .catch((err: unknown) => {
    console.error('Migrations failed:', err);
    process.exit(1);
  });
