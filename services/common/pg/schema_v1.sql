-- Migration 1: sessions, their payloads, and per-partition consumer offsets.
CREATE TABLE sessions (
  session_id                         text PRIMARY KEY,
  project_id                         text NOT NULL,
  created_at                         timestamptz NOT NULL DEFAULT now(),
  updated_at                         timestamptz NOT NULL DEFAULT now(),
  initialized_at                     timestamptz,
  client_version                     text,
  firstload_version                  text,
  client_config                      text,
  environment                        text,
  app_version                        text,
  service_name                       text,
  fingerprint                        text,
  client_id                          text,
  enable_strict_privacy              boolean,
  enable_recording_network_contents  boolean,
  peer_ip                            text,
  user_agent                         text,
  accept_language                    text,
  payload_count                      bigint NOT NULL DEFAULT 0,
  last_payload_id                    bigint NOT NULL DEFAULT 0,
  payload_id_gaps                    bigint NOT NULL DEFAULT 0,
  has_unloaded                       boolean NOT NULL DEFAULT false
);

CREATE TABLE session_payloads (
  session_id        text NOT NULL,
  payload_id        bigint NOT NULL,
  chunk_index       integer NOT NULL DEFAULT 0,
  -- Order in which rows were inserted: lets a verifier prove per-session order.
  persisted_seq     bigserial NOT NULL,
  content_encoding  smallint NOT NULL,
  raw_size          bigint NOT NULL,
  -- Serialized ingest.v1.PayloadContent, exactly as the SDK sent it.
  data              bytea NOT NULL,
  is_beacon         boolean NOT NULL DEFAULT false,
  received_at       timestamptz NOT NULL,
  persisted_at      timestamptz NOT NULL DEFAULT now(),
  kafka_partition   integer NOT NULL,
  kafka_offset      bigint NOT NULL,
  PRIMARY KEY (session_id, payload_id, chunk_index)
);
-- Payload bytes are already compressed by Kafka/zstd or the SDK; do not let
-- PostgreSQL spend CPU compressing them again.
ALTER TABLE session_payloads ALTER COLUMN data SET STORAGE EXTERNAL;

-- The next Kafka offset to process per partition, written in the same
-- transaction as the rows it covers: the source of truth on assignment.
CREATE TABLE consumer_offsets (
  topic        text NOT NULL,
  partition    integer NOT NULL,
  next_offset  bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);
