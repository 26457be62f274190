-- The one-shot migration: it runs at every bring-up, so it must be idempotent.
set client_min_messages = warning;  -- no "already exists, skipping" notices

create table if not exists items (
  id integer primary key,
  name text not null,
  probe text not null
);

-- Each seed row goes in once; rows added since are left alone.
insert into items (id, name, probe) values
  (1, 'cache: Redis', 'tcp'),
  (2, 'db: PostgreSQL', 'log'),
  (3, 'migrate: this file', 'completed'),
  (4, 'api: api.py', 'http /health'),
  (5, 'web: python3 -m http.server', 'http, status 200')
on conflict (id) do nothing;
