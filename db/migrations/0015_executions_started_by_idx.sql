-- Up Migration

-- GET /executions?startedBy=: with only the (created_at, id) index, a login that started few of
-- a million executions makes the newest-first page read the whole history to fill 50 rows
-- (bench item 8). Same order as executions_created_idx, so the cursor stays an index range.
create index executions_started_by_created_idx on executions (started_by, created_at desc, id desc);

-- Down Migration

drop index executions_started_by_created_idx;
