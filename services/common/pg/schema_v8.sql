-- Migration 8: processed sessions — what each recording is, and when it is
-- done (services/common/facts/README.md defines the summary's fields).
--
-- Every column is added without a default that would rewrite the table:
-- sessions written before this version keep NULLs (status NULL = recorded
-- before summaries; they are never completed and not counted as live).
ALTER TABLE sessions
  -- The ingest partition of the session's records: its owner folds the
  -- summary and completes the session.
  ADD COLUMN kafka_partition integer,
  -- received_at of the newest record of the session (init or payload),
  -- compared with the partition's processed-time watermark.
  ADD COLUMN last_activity_at timestamptz,
  -- live | completed (NULL: before this migration).
  ADD COLUMN status text,
  ADD COLUMN completed_at timestamptz,
  ADD COLUMN reopened_count bigint,
  -- ingest.v1.SessionSummary, fold state included: the source of truth.
  ADD COLUMN summary bytea,
  -- Copies of the summary's main fields, for SQL readers.
  ADD COLUMN first_event_at timestamptz,
  ADD COLUMN last_event_at timestamptz,
  ADD COLUMN length_ms bigint,
  ADD COLUMN active_ms bigint,
  ADD COLUMN event_count bigint,
  ADD COLUMN clicks bigint,
  ADD COLUMN rage_clicks bigint,
  ADD COLUMN frontend_errors bigint,
  ADD COLUMN console_errors bigint,
  ADD COLUMN resources bigint,
  ADD COLUMN failed_resources bigint,
  ADD COLUMN landing_page text,
  ADD COLUMN exit_page text,
  ADD COLUMN pages_visited bigint,
  ADD COLUMN unparsed_payloads bigint;

-- The owner's completion sweep: live sessions of a partition by activity.
CREATE INDEX sessions_live_by_partition ON sessions (kafka_partition, last_activity_at)
  WHERE status = 'live';
-- ingestctl sessions list: newest first per project and status.
CREATE INDEX sessions_project_created ON sessions (project_id, created_at DESC);

-- The facts of every stored payload (one row per payload, whole or
-- streamed), inserted with the payload: a payload that arrives after a
-- higher id refolds its session from these rows, in payload-id order.
-- pages repeats facts.pages for SQL readers (the session's page views are
-- these, in payload-id order, a repeat of the previous one dropped).
CREATE TABLE payload_facts (
  session_id  text NOT NULL,
  payload_id  bigint NOT NULL,
  parsed      boolean NOT NULL,
  pages       text[] NOT NULL DEFAULT '{}',
  facts       bytea NOT NULL,  -- ingest.v1.PayloadFacts
  PRIMARY KEY (session_id, payload_id)
);
