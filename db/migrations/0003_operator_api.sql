-- Up Migration

-- How long a production execution waits for a second operator's approval before it fails APPROVAL_TIMEOUT.
alter table environments
  add column approval_timeout_seconds integer not null default 86400
    check (approval_timeout_seconds between 5 and 2592000);

alter table executions
  add column approved_at timestamptz,
  add column rejected_by text,
  add column cancelled_by text,
  add column rerun_of uuid references executions (id);

alter table api_tokens add column created_by text;

-- Every change to environments, sources, jobs and tokens, never updated or deleted.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default clock_timestamp(),
  actor text not null,
  action text not null,
  entity_type text not null check (entity_type in ('environment', 'source', 'job', 'token')),
  entity_id uuid not null,
  before jsonb,
  after jsonb
);
create index audit_log_entity_idx on audit_log (entity_type, entity_id, id);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end
$$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_append_only();

-- Keyset pagination of the history, filtered by environment or job.
create index executions_environment_created_idx on executions (environment_id, created_at desc, id desc);
create index executions_job_created_idx on executions (job_id, created_at desc, id desc);

-- Down Migration

drop index executions_job_created_idx;
drop index executions_environment_created_idx;
drop table audit_log;
drop function audit_log_append_only();
alter table api_tokens drop column created_by;
alter table executions drop column rerun_of, drop column cancelled_by, drop column rejected_by, drop column approved_at;
alter table environments drop column approval_timeout_seconds;
