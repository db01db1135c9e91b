-- Up Migration

-- Recurring executions. The definition, its versions and its runs live here; Temporal holds one
-- Schedule per row (`migrator-schedule-<id>`) whose action carries only the id. Rows are never
-- deleted (executions and runs point to them): DELETE sets deleted_at.
create table schedules (
  id uuid primary key,
  name text not null,
  job_id uuid not null references jobs (id),
  environment_id uuid not null references environments (id),
  params jsonb not null,
  -- Exactly one calendar spec: a cron expression (parsed by Temporal) or an interval.
  cron text,
  interval_seconds integer check (interval_seconds between 1 and 31622400),
  time_zone text not null default 'UTC',
  note text,
  overlap text not null check (overlap in ('skip', 'buffer_one')),
  -- The production environment's name typed back when the job, params or spec last changed.
  confirm_production text,
  paused boolean not null default false,
  paused_by text,
  paused_at timestamptz,
  pause_reason text,
  -- The current version (schedule_versions), and the one approved to run on production.
  version integer not null default 1,
  approved_version integer,
  approved_by text,
  approved_at timestamptz,
  -- The spec as Temporal described it after Migrator last set it: drift is told against it.
  temporal_spec jsonb,
  -- Runs Temporal's overlap policy skipped that are already recorded in schedule_runs.
  overlap_skips_recorded integer not null default 0,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  deleted_by text,
  check ((cron is null) <> (interval_seconds is null))
);
create unique index schedules_name_live_idx on schedules (name) where deleted_at is null;

-- Each version's whole definition, with the job's and environment's revision (a digest of the
-- snapshot an execution would take): approving a version approves exactly this.
create table schedule_versions (
  schedule_id uuid not null references schedules (id),
  version integer not null,
  definition jsonb not null,
  job_revision text not null,
  environment_revision text not null,
  production boolean not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  approved_by text,
  approved_at timestamptz,
  primary key (schedule_id, version)
);

-- Every run Temporal asked for (or Migrator knows was skipped): started with its execution, or
-- skipped with the reason (ALREADY_RUNNING, OVERLAP, NOT_APPROVED, ...).
create table schedule_runs (
  id bigserial primary key,
  schedule_id uuid not null references schedules (id),
  version integer,
  at timestamptz not null default clock_timestamp(),
  outcome text not null check (outcome in ('started', 'skipped')),
  execution_id uuid references executions (id),
  reason_code text,
  reason text,
  -- One record per Temporal workflow run: a retried activity records nothing twice.
  workflow_id text unique,
  check ((outcome = 'started') = (execution_id is not null))
);
create index schedule_runs_schedule_idx on schedule_runs (schedule_id, id desc);

alter table executions
  add column schedule_id uuid references schedules (id),
  add column schedule_version integer;
create index executions_schedule_idx on executions (schedule_id, created_at desc) where schedule_id is not null;

alter table audit_log drop constraint audit_log_entity_type_check;
alter table audit_log add constraint audit_log_entity_type_check
  check (entity_type in ('environment', 'source', 'job', 'token', 'schedule'));

-- Down Migration

alter table audit_log drop constraint audit_log_entity_type_check;
alter table audit_log add constraint audit_log_entity_type_check
  check (entity_type in ('environment', 'source', 'job', 'token')) not valid;
drop index executions_schedule_idx;
alter table executions drop column schedule_version, drop column schedule_id;
drop table schedule_runs;
drop table schedule_versions;
drop table schedules;
