-- Up Migration

-- Browser sessions of the console: a token exchanged for an HttpOnly cookie. Stored hashed; a
-- session ends at sign-out, after its idle time, and with its token (revoked or expired).
create table sessions (
  id uuid primary key default gen_random_uuid(),
  token_id uuid not null references api_tokens (id),
  secret_sha256 bytea not null unique,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  idle_timeout_seconds integer not null check (idle_timeout_seconds > 0),
  ended_at timestamptz
);
create index sessions_token_idx on sessions (token_id) where ended_at is null;

-- A list-wide feed of status changes, new executions included, for the console's history: its
-- own channel, so it is not woken by every batch of log lines.
create function executions_status_notify() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.status is not distinct from new.status then
    return null;
  end if;
  perform pg_notify('migrator_execution_status', json_build_object(
    'id', new.id, 'status', new.status, 'environmentId', new.environment_id, 'jobId', new.job_id)::text);
  return null;
end
$$;
create trigger executions_status_inserted after insert on executions
  for each row execute function executions_status_notify();
create trigger executions_status_changed after update of status on executions
  for each row execute function executions_status_notify();

-- Down Migration

drop trigger executions_status_changed on executions;
drop trigger executions_status_inserted on executions;
drop function executions_status_notify();
drop table sessions;
