-- One index for each read users make.

-- A session's messages in conversation order; also makes that order total.
create unique index if not exists conversation_messages_session_order_idx
  on conversation_messages (session_id, seq);

-- A user's messages by time.
create index if not exists conversation_messages_user_time_idx
  on conversation_messages (user_id, created_at);

-- A user's sessions, newest first.
create index if not exists conversation_sessions_user_recent_idx
  on conversation_sessions (user_id, started_at desc, session_id desc);

-- All sessions, newest first.
create index if not exists conversation_sessions_recent_idx
  on conversation_sessions (started_at desc, session_id desc);

-- Sessions still running.
create index if not exists conversation_sessions_active_idx
  on conversation_sessions (started_at desc) where is_active;
