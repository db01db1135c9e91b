-- Up Migration

-- The list-wide feed also carries progress, so the console's history moves the bars of running
-- executions without reading the list again. A progress change is its own kind of notice; a
-- batch of lines that leaves the progress as it was sends nothing.
create or replace function executions_status_notify() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.status is not distinct from new.status then
    if old.progress_done is not distinct from new.progress_done and old.progress_total is not distinct from new.progress_total then
      return null;
    end if;
    perform pg_notify('migrator_execution_status', json_build_object(
      'kind', 'progress', 'id', new.id, 'status', new.status, 'environmentId', new.environment_id, 'jobId', new.job_id,
      'progressDone', new.progress_done, 'progressTotal', new.progress_total, 'lines', new.last_seq)::text);
    return null;
  end if;
  perform pg_notify('migrator_execution_status', json_build_object(
    'kind', 'status', 'id', new.id, 'status', new.status, 'environmentId', new.environment_id, 'jobId', new.job_id)::text);
  return null;
end
$$;
drop trigger executions_status_changed on executions;
create trigger executions_status_changed after update of status, progress_done, progress_total on executions
  for each row execute function executions_status_notify();

-- Down Migration

drop trigger executions_status_changed on executions;
create trigger executions_status_changed after update of status on executions
  for each row execute function executions_status_notify();
create or replace function executions_status_notify() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.status is not distinct from new.status then
    return null;
  end if;
  perform pg_notify('migrator_execution_status', json_build_object(
    'id', new.id, 'status', new.status, 'environmentId', new.environment_id, 'jobId', new.job_id)::text);
  return null;
end
$$;
