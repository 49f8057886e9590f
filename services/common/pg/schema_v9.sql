-- Migration 9: retention and erasure (services/common/retention/README.md).
--
-- The two tables that grow with every payload, session_payloads and
-- payload_facts, become range-partitioned by expire_day: the day a
-- session's data expires (the day its first record was received plus its
-- project's retention). Expiring a day is dropping its partitions, never a
-- bulk DELETE. Every row of a session carries the session's expire_day
-- (sessions.expire_day), so the keys keep their meaning: a key is unique
-- within its session, and a session lives in one partition.
--
-- Before this transaction runs, schema_v9_prepare.cc has (without blocking
-- ingest) added expire_day = 'infinity' to the existing tables, built the
-- unique indexes the partitioned keys need, and proved with a validated
-- CHECK that every existing row is 'infinity'. So this transaction only
-- renames and attaches: catalog work, no scan, no rewrite. The existing rows
-- become the `_legacy` partitions ('infinity' and beyond): they expire
-- session by session as `ingestctl retention enforce` finds their sessions
-- older than the default retention.
--
-- Rows whose day has no partition yet (partitions are created ahead by the
-- worker and by retention enforcement) go to the `_default` partitions: a
-- missing partition never stops ingest.

ALTER TABLE session_payloads RENAME TO session_payloads_legacy;
-- Its key becomes the partitioned key (session_payloads_legacy_key, built
-- already; every row's expire_day is 'infinity', so the two are the same).
ALTER TABLE session_payloads_legacy DROP CONSTRAINT session_payloads_pkey;
CREATE TABLE session_payloads (
  session_id        text NOT NULL,
  payload_id        bigint NOT NULL,
  chunk_index       integer NOT NULL DEFAULT 0,
  persisted_seq     bigint NOT NULL DEFAULT nextval('session_payloads_persisted_seq_seq'),
  content_encoding  smallint NOT NULL,
  raw_size          bigint NOT NULL,
  data              bytea NOT NULL,
  is_beacon         boolean NOT NULL DEFAULT false,
  received_at       timestamptz NOT NULL,
  persisted_at      timestamptz NOT NULL DEFAULT now(),
  kafka_partition   integer NOT NULL,
  kafka_offset      bigint NOT NULL,
  storage_encoding  smallint NOT NULL DEFAULT 0,
  data_sha256       bytea,
  -- Without one (a worker older than this schema, a tool): the legacy
  -- partition, which expires by age.
  expire_day        date NOT NULL DEFAULT 'infinity',
  PRIMARY KEY (session_id, payload_id, chunk_index, expire_day)
) PARTITION BY RANGE (expire_day);
ALTER TABLE session_payloads ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER SEQUENCE session_payloads_persisted_seq_seq OWNED BY session_payloads.persisted_seq;
ALTER TABLE session_payloads ATTACH PARTITION session_payloads_legacy
  FOR VALUES FROM ('infinity') TO (MAXVALUE);
CREATE TABLE session_payloads_default PARTITION OF session_payloads DEFAULT;
ALTER TABLE session_payloads_default ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE payload_facts RENAME TO payload_facts_legacy;
ALTER TABLE payload_facts_legacy DROP CONSTRAINT payload_facts_pkey;
CREATE TABLE payload_facts (
  session_id  text NOT NULL,
  payload_id  bigint NOT NULL,
  parsed      boolean NOT NULL,
  pages       text[] NOT NULL DEFAULT '{}',
  facts       bytea NOT NULL,
  expire_day  date NOT NULL DEFAULT 'infinity',
  PRIMARY KEY (session_id, payload_id, expire_day)
) PARTITION BY RANGE (expire_day);
ALTER TABLE payload_facts ATTACH PARTITION payload_facts_legacy
  FOR VALUES FROM ('infinity') TO (MAXVALUE);
CREATE TABLE payload_facts_default PARTITION OF payload_facts DEFAULT;

-- The retentions in use (days), so partitions are created ahead for each:
-- the worker adds a row the first time it stores a session with a
-- retention it has not seen.
CREATE TABLE retention_classes (
  retention_days  integer PRIMARY KEY CHECK (retention_days > 0),
  first_seen_at   timestamptz NOT NULL DEFAULT now()
);

-- Erased sessions: a record of one that arrives later (a late payload, an
-- `ingestctl replay`, a DLQ redrive) is dropped and counted, never stored.
CREATE TABLE erased_sessions (
  session_id  text PRIMARY KEY,
  project_id  text,  -- NULL: the session had no row when it was erased
  erasure_id  bigint NOT NULL,
  erased_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per `ingestctl sessions delete` that was not a dry run (one that
-- found nothing too: the request itself is on record): who asked, when, what
-- and how much. A user identifier is
-- personal data, so only its SHA-256 is kept.
CREATE TABLE erasure_audit (
  erasure_id              bigserial PRIMARY KEY,
  requested_by            text NOT NULL,
  requested_at            timestamptz NOT NULL DEFAULT now(),
  scope                   text NOT NULL CHECK (scope IN ('session', 'user')),
  project_id              text,
  user_identifier_sha256  bytea,
  session_ids             text[] NOT NULL,
  rows_deleted            bigint NOT NULL,
  bytes_deleted           bigint NOT NULL,
  -- Rows removed per table, as a JSON object.
  rows_by_table           jsonb NOT NULL
);

-- One row per `ingestctl retention enforce` that was not a dry run and
-- completed (a run that could not drop a partition is not recorded: the
-- next one finishes it).
CREATE TABLE retention_runs (
  run_id              bigserial PRIMARY KEY,
  requested_by        text NOT NULL,
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz NOT NULL DEFAULT now(),
  expired_before      date NOT NULL,
  partitions_dropped  integer NOT NULL,
  bytes_dropped       bigint NOT NULL,
  sessions_deleted    bigint NOT NULL,
  rows_deleted        bigint NOT NULL
);
