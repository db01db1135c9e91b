-- Up Migration

-- An execution that ended on a fault (its host unreachable, say) whose run could not be
-- confirmed stopped: the reconciler keeps trying to kill it, and the job does not start again
-- on the environment until it did.
alter table executions add column stop_pending boolean not null default false;
create index executions_stop_pending_idx on executions (job_id, environment_id) where stop_pending;

-- Down Migration

drop index executions_stop_pending_idx;
alter table executions drop column stop_pending;
