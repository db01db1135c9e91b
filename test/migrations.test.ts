import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import { sharedServices } from './support/env';

const run = promisify(execFile);

describe('database migrations', () => {
  const services = sharedServices();
  const name = `migrator_mig_${randomBytes(6).toString('hex')}`;
  const url = new URL(services.adminUrl);
  url.pathname = `/${name}`;

  async function admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: services.adminUrl });
    await client.connect();
    await client.query(sql);
    await client.end();
  }

  beforeAll(() => admin(`create database ${name}`));
  afterAll(() => admin(`drop database if exists ${name} with (force)`));

  test('when two processes apply the migrations at once to an empty database, then both succeed and each migration is applied once', async () => {
    const migrate = () =>
      run(process.execPath, [require.resolve('tsx/cli'), path.resolve(__dirname, '..', 'scripts', 'migrate.ts')], {
        env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      });
    const files = readdirSync(path.resolve(__dirname, '..', 'db', 'migrations')).map((f) => f.replace(/\.sql$/, '')).sort();
    const outputs = await Promise.all([migrate(), migrate()]);
    expect(outputs.map((o) => o.stdout.trim()).sort()).toEqual([`Applied: ${files.join(', ')}`, 'The database is up to date.']);

    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('select name from pgmigrations order by run_on');
    await client.end();
    expect(rows.map((r) => r.name)).toEqual(files);
  });
});
