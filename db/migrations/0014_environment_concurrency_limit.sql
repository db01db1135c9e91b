-- Up Migration

-- An environment may run up to 1,000 executions at once (it was 100). Bench item 8 ran 200 on
-- one worker; the API's schema has the same bound (src/api/schemas.ts). The check only widens:
-- every row already satisfies it, and checking the few rows of this table takes no time.
alter table environments drop constraint environments_max_concurrency_check;
alter table environments add constraint environments_max_concurrency_check check (max_concurrency between 1 and 1000);

-- Down Migration

update environments set max_concurrency = 100 where max_concurrency > 100;
alter table environments drop constraint environments_max_concurrency_check;
alter table environments add constraint environments_max_concurrency_check check (max_concurrency between 1 and 100);
