-- Migration 2: every task type of the ingest API has a home.
ALTER TABLE sessions
  ADD COLUMN user_identifier text,
  ADD COLUMN user_object jsonb,
  ADD COLUMN properties jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Rows below are keyed by where their task sits in Kafka (partition,
-- offset) and their position in it (item), so a replayed task is a no-op.
CREATE TABLE session_feedback (
  kafka_partition  integer NOT NULL,
  kafka_offset     bigint NOT NULL,
  session_id       text NOT NULL,
  project_id       text NOT NULL,
  verbatim         text NOT NULL,
  user_name        text,
  user_email       text,
  given_at         timestamptz NOT NULL,
  PRIMARY KEY (kafka_partition, kafka_offset)
);
CREATE INDEX session_feedback_session ON session_feedback (session_id);

CREATE TABLE backend_errors (
  kafka_partition  integer NOT NULL,
  kafka_offset     bigint NOT NULL,
  item             integer NOT NULL,
  project_id       text NOT NULL,
  session_id       text,
  event            text NOT NULL,
  type             text,
  url              text,
  source           text,
  stack_trace      text,
  request_id       text,
  trace_id         text,
  span_id          text,
  payload          text,
  service_name     text,
  service_version  text,
  environment      text,
  occurred_at      timestamptz NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (kafka_partition, kafka_offset, item)
);
CREATE INDEX backend_errors_project_time ON backend_errors (project_id, occurred_at);
CREATE INDEX backend_errors_session ON backend_errors (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE metrics (
  kafka_partition  integer NOT NULL,
  kafka_offset     bigint NOT NULL,
  item             integer NOT NULL,
  project_id       text NOT NULL,
  session_id       text,
  name             text NOT NULL,
  value            double precision NOT NULL,
  category         text,
  metric_group     text,
  tags             jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at      timestamptz NOT NULL,
  PRIMARY KEY (kafka_partition, kafka_offset, item)
);
CREATE INDEX metrics_project_name_time ON metrics (project_id, name, occurred_at);
