-- The group commit looks rows up by key only (sessions by session_id, stored
-- messages by id). PL/pgSQL keeps one plan per connection, and a plan made
-- while the tables were small (a new database, before autovacuum's first
-- analyze) went on scanning them whole for every later batch: the function
-- ran at about two thirds of its speed with plans that use the keys
-- (docs/performance.md). Inside it, and the triggers its insert fires, a
-- sequential scan is only the last resort.
alter function parley_insert_messages(jsonb) set enable_seqscan = off;
