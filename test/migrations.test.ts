import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

import { migrationsDir } from '../src/db/migrate';
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

describe('migration 0005: tokens and history belong to people', () => {
  const services = sharedServices();
  const name = `migrator_people_${randomBytes(6).toString('hex')}`;
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

  test('when tokens and executions from before owners exist, then tokens get their name as login and the history names logins, so one person under two spellings is one person', async () => {
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      // The database as the first four migrations left it (node-pg-migrate is an ES module Jest cannot load).
      const before = readdirSync(migrationsDir).filter((f) => f < '0005').sort();
      for (const file of before) await client.query(readFileSync(path.join(migrationsDir, file), 'utf8').split('-- Down Migration')[0]!);
      await client.query('create table pgmigrations (id serial primary key, name varchar(255) not null, run_on timestamp not null)');
      for (const file of before) await client.query('insert into pgmigrations (name, run_on) values ($1, now())', [file.replace(/\.sql$/, '')]);

      await client.query(`insert into api_tokens (name, role, token_sha256) values ('Alice', 'operator', 'a'), (' alice ', 'operator', 'b'), ('CI bot #2', 'viewer', 'c')`);
      const env = await client.query(`insert into environments (name, host, username) values ('e', 'h', 'u') returning id`);
      const source = await client.query(`insert into sources (name, system) values ('s', 'x') returning id`);
      const job = await client.query(`insert into jobs (name, source_id, script_path, interpreter) values ('j', $1, '/s.js', 'node') returning id`, [source.rows[0].id]);
      await client.query(
        `insert into executions (job_id, environment_id, params, started_by, approved_by, workflow_id, status, finished_at)
         values ($1, $2, '{}', 'Alice', ' BOB ', 'w1', 'succeeded', now()), ($1, $2, '{}', 'alice', null, 'w2', 'queued', null)`,
        [job.rows[0].id, env.rows[0].id],
      );

      await run(process.execPath, [require.resolve('tsx/cli'), path.resolve(__dirname, '..', 'scripts', 'migrate.ts')], {
        env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      });

      const tokens = await client.query('select name, owner from api_tokens order by token_sha256');
      expect(tokens.rows).toEqual([
        { name: 'Alice', owner: 'alice' },
        { name: ' alice ', owner: 'alice' },
        { name: 'CI bot #2', owner: 'ci-bot-2' },
      ]);
      const history = await client.query('select workflow_id, started_by, approved_by, job_snapshot is not null as snapped, workflow_started_at is not null as started from executions order by workflow_id');
      expect(history.rows).toEqual([
        { workflow_id: 'w1', started_by: 'alice', approved_by: 'bob', snapped: false, started: true },
        { workflow_id: 'w2', started_by: 'alice', approved_by: null, snapped: true, started: true },
      ]);
      await expect(client.query(`insert into api_tokens (name, owner, role, token_sha256) values ('x', 'Not A Login', 'viewer', 'd')`)).rejects.toThrow(/api_tokens_owner_is_login/);
    } finally {
      await client.end();
    }
  });
});
