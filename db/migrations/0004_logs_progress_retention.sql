-- Up Migration

-- A line longer than the cap is stored in pieces; every piece but the last is marked.
alter table log_lines add column continued boolean not null default false;

-- The latest `::progress <done>/<total>` line the script printed.
alter table executions
  add column progress_done bigint,
  add column progress_total bigint,
  -- Set by the retention cleanup once the execution's log lines are deleted.
  add column logs_purged_at timestamptz;

-- The retention cleanup finds finished executions whose logs it has not purged yet, by age;
-- purged ones leave the index, so the daily run does not rescan the whole history.
create index executions_unpurged_finished_idx on executions (finished_at)
  where finished_at is not null and logs_purged_at is null;

-- Live tails (SSE) in every API process LISTEN on one channel: new lines and status changes
-- of an execution. Fired by the trigger, so no writer can forget it, and delivered at commit,
-- when the lines are readable.
create function executions_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('migrator_executions', json_build_object('id', new.id, 'seq', new.last_seq, 'status', new.status)::text);
  return null;
end
$$;
create trigger executions_notify after update on executions
  for each row when (old.last_seq is distinct from new.last_seq or old.status is distinct from new.status)
  execute function executions_notify();

-- Down Migration

drop trigger executions_notify on executions;
drop function executions_notify();

drop index executions_unpurged_finished_idx;
alter table executions drop column logs_purged_at, drop column progress_total, drop column progress_done;
alter table log_lines drop column continued;
