-- Up Migration

create table environments (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  host text not null,
  port integer not null default 22 check (port between 1 and 65535),
  username text not null,
  private_key_path text,
  passphrase_env text,
  use_agent boolean not null default false,
  host_key_fingerprint text,
  node_path text,
  shell_init text,
  production boolean not null default false,
  max_concurrency integer not null default 1 check (max_concurrency between 1 and 100),
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table sources (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  system text not null,
  description text,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table jobs (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  source_id uuid not null references sources (id),
  script_path text not null,
  interpreter text not null check (interpreter in ('node', 'bash', 'python3', 'exec')),
  parameters jsonb not null default '[]',
  timeout_seconds integer not null default 3600 check (timeout_seconds > 0),
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  role text not null check (role in ('viewer', 'operator', 'admin')),
  token_sha256 bytea not null unique,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);

create table executions (
  id uuid primary key default gen_random_uuid(),
  job_id uuid not null references jobs (id),
  environment_id uuid not null references environments (id),
  params jsonb not null,
  confirm_production text,
  status text not null default 'queued'
    check (status in ('queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected')),
  exit_code integer,
  error_code text,
  error_message text,
  started_by text not null,
  approved_by text,
  workflow_id text not null unique,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- Committed read positions in the remote output files; advanced in the same transaction as
  -- the log lines they cover, so a re-attach resumes exactly after the last stored line.
  stdout_offset bigint not null default 0,
  stderr_offset bigint not null default 0,
  last_seq bigint not null default 0
);

create index executions_created_idx on executions (created_at desc, id desc);
-- At most one active execution per job and environment, also when two starts race.
create unique index executions_one_active_per_job_env on executions (job_id, environment_id)
  where status in ('queued', 'awaiting_approval', 'running');

create table log_lines (
  execution_id uuid not null references executions (id) on delete cascade,
  seq bigint not null,
  stream text not null check (stream in ('stdout', 'stderr')),
  ts timestamptz not null,
  text text not null,
  primary key (execution_id, seq)
);

-- Down Migration

drop table log_lines;
drop table executions;
drop table api_tokens;
drop table jobs;
drop table sources;
drop table environments;
