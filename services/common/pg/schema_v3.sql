-- Migration 3: compressed payload storage, quarantined sessions, verified streams.

-- data is now stored zstd-compressed by the worker (storage_encoding 1);
-- rows written before this migration stay raw (0). raw_size is always the
-- uncompressed size. data keeps STORAGE EXTERNAL (set in migration 1): the
-- bytes are compressed already, PostgreSQL must not try again.
--
-- data_sha256 is the SHA-256 of the uncompressed bytes, so the worker tells
-- an exact replay from a conflicting duplicate without reading data. It is
-- NULL on rows written before this migration; the worker then computes
-- sha256(data) for the few keys a batch collides with (raw rows only), which
-- spares this migration a rewrite of the whole table.
ALTER TABLE session_payloads
  ADD COLUMN storage_encoding smallint NOT NULL DEFAULT 0,
  ADD COLUMN data_sha256 bytea;

-- A session whose records go to the dead-letter topic instead of the
-- database (a poison record quarantined it), so later records follow it and
-- per-session order survives a redrive. Written in the transaction that
-- hands the poison record to the DLQ.
CREATE TABLE quarantined_sessions (
  topic            text NOT NULL,
  session_id       text NOT NULL,
  project_id       text,
  kafka_partition  integer NOT NULL,
  first_offset     bigint NOT NULL,
  reason           text NOT NULL,
  detail           text,
  quarantined_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, session_id)
);
-- On assignment the worker loads the quarantined sessions of its partitions.
CREATE INDEX quarantined_sessions_partition ON quarantined_sessions (topic, kafka_partition);

-- One row per streamed payload whose chunks were all present and hashed to
-- the SHA-256 its last chunk declared. Written in the transaction that
-- stores the last chunk; a streamed payload counts in sessions.payload_count
-- only once this row exists. Chunk rows of a payload without a row here are
-- an incomplete or refused stream (its last chunk went to the DLQ).
CREATE TABLE payload_streams (
  session_id       text NOT NULL,
  payload_id       bigint NOT NULL,
  chunk_count      integer NOT NULL,
  raw_size         bigint NOT NULL,
  sha256           bytea NOT NULL,
  -- Where the last chunk came from.
  kafka_partition  integer NOT NULL,
  kafka_offset     bigint NOT NULL,
  verified_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, payload_id)
);
