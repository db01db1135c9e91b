-- Up Migration

-- Webhook targets. The URL (a Slack webhook URL is itself a secret) and the signing secret are
-- stored encrypted with the payload keys (`<keyId>:<base64 nonce|ciphertext|tag>`); `url_display`
-- is the masked form shown in answers and the audit log.
create table notification_targets (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  url_sealed text not null,
  url_display text not null,
  secret_sealed text not null,
  events text[] not null check (cardinality(events) > 0),
  environment_ids uuid[],
  job_ids uuid[],
  only_production boolean not null default false,
  format text not null check (format in ('json', 'slack')),
  enabled boolean not null default true,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  secret_rotated_at timestamptz not null default now()
);

-- One row per event and target: the delivery workflow's id is derived from the same triple, so a
-- second attempt to notify finds this row and the workflow already there.
create table notification_deliveries (
  id uuid primary key default gen_random_uuid(),
  target_id uuid not null references notification_targets (id) on delete cascade,
  event text not null,
  execution_id uuid references executions (id) on delete cascade,
  workflow_id text not null unique,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_status integer,
  last_error text,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null default now()
);
create index notification_deliveries_target_idx on notification_deliveries (target_id, created_at desc);

-- Notification targets are audited too. The allowed entity types are read from the constraint as
-- it stands, so the types other migrations added are kept.
do $$
declare
  allowed text[];
begin
  select array(
           select distinct (regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g'))[1]
         )
    into allowed
    from pg_constraint c
   where c.conrelid = 'audit_log'::regclass and c.conname = 'audit_log_entity_type_check';
  alter table audit_log drop constraint audit_log_entity_type_check;
  execute format('alter table audit_log add constraint audit_log_entity_type_check check (entity_type = any (%L::text[]))',
                 array_append(array_remove(allowed, 'notification_target'), 'notification_target'));
end
$$;

-- Down Migration

-- The audit log is append-only: its entries about targets, and so the widened check, stay.
drop table notification_deliveries;
drop table notification_targets;
