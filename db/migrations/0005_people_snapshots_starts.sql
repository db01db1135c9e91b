-- Up Migration

-- A login as Migrator compares people: trimmed, lower case, runs of other characters as one '-'.
-- The same rule as normaliseLogin in src/people.ts. Null stays null (strict).
create function migrator_login(raw text) returns text language sql immutable strict as $$
  select coalesce(nullif(trim(both '-' from regexp_replace(lower(trim(raw)), '[^a-z0-9._@]+', '-', 'g')), ''), 'unknown')
$$;

-- Tokens belong to a person. Until now the token's name stood for its holder, so existing tokens
-- get their name as login; tokens whose names normalise alike (`Alice`, `alice `) become one person.
alter table api_tokens add column owner text;
update api_tokens set owner = migrator_login(name);
alter table api_tokens alter column owner set not null;
alter table api_tokens add constraint api_tokens_owner_is_login check (owner = migrator_login(owner));
create index api_tokens_owner_idx on api_tokens (owner);

-- Who started, approved, rejected and cancelled executions: people, by the same rule.
update executions
   set started_by = migrator_login(started_by),
       approved_by = migrator_login(approved_by),
       rejected_by = migrator_login(rejected_by),
       cancelled_by = migrator_login(cancelled_by);

alter table executions
  -- What runs is what was started: the job and the connection as they were at the start.
  add column job_snapshot jsonb,
  add column target_snapshot jsonb,
  -- Set once Temporal accepted the workflow; null while the start is pending (or failed).
  add column workflow_started_at timestamptz,
  -- A production execution fails APPROVAL_TIMEOUT when nobody decided by then.
  add column approval_deadline timestamptz,
  add column approval_note text;

-- Executions before this migration were started with their row (inside the inserting transaction).
update executions set workflow_started_at = created_at;

-- Executions still active take the job and connection as they are now.
update executions x
   set job_snapshot = jsonb_build_object(
         'name', j.name, 'scriptPath', j.script_path, 'interpreter', j.interpreter,
         'parameters', j.parameters, 'timeoutSeconds', j.timeout_seconds),
       target_snapshot = jsonb_build_object(
         'environmentName', e.name, 'host', e.host, 'port', e.port, 'username', e.username,
         'privateKeyPath', e.private_key_path, 'passphraseEnv', e.passphrase_env, 'useAgent', e.use_agent,
         'hostKeyFingerprint', e.host_key_fingerprint, 'nodePath', e.node_path, 'shellInit', e.shell_init),
       approval_deadline = case when x.status = 'awaiting_approval'
                                then x.created_at + make_interval(secs => e.approval_timeout_seconds) end
  from jobs j, environments e
 where j.id = x.job_id and e.id = x.environment_id and x.finished_at is null;

-- Active executions, for slots, the reconciler and the environment-edit guard.
create index executions_active_idx on executions (environment_id, created_at, id)
  where status in ('queued', 'awaiting_approval', 'running');

-- Down Migration

drop index executions_active_idx;
alter table executions
  drop column approval_note,
  drop column approval_deadline,
  drop column workflow_started_at,
  drop column target_snapshot,
  drop column job_snapshot;
drop index api_tokens_owner_idx;
alter table api_tokens drop constraint api_tokens_owner_is_login;
alter table api_tokens drop column owner;
drop function migrator_login(text);
