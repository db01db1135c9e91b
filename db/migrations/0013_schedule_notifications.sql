-- Up Migration

-- Deliveries about a schedule (a skipped run, a version awaiting approval) rather than an
-- execution: the schedule, the version and the run they announce. Payloads are built from these
-- ids when the delivery is sent, so nothing but ids is stored.
alter table notification_deliveries
  add column schedule_id uuid references schedules (id),
  add column schedule_version integer,
  add column schedule_run_id bigint references schedule_runs (id);

-- Down Migration

alter table notification_deliveries drop column schedule_run_id, drop column schedule_version, drop column schedule_id;
