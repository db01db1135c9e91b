-- Up Migration

-- Set when runScript itself confirmed the remote process group dead after a cancel or timeout,
-- so the workflow's safety-net stopRun can skip the host.
alter table executions add column remote_stopped_at timestamptz;

-- Down Migration

alter table executions drop column remote_stopped_at;
