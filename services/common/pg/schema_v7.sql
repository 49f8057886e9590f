-- Migration 7: chunks of a stream wait outside session_payloads until the
-- stream is complete.
--
-- A PushPayloadStream's chunk records are written here as they arrive;
-- readers of payloads (session_payloads, ingestctl, the verifiers) never see
-- them. When the stream's last chunk arrives and every chunk is present with
-- the declared sizes, the worker moves the chunks to session_payloads and
-- writes the payload_streams row, in one transaction. Chunks of a stream
-- that never completes (the client gave up, the gateway refused it) are
-- removed once older than --stream_chunk_ttl, by persisted_at.
CREATE TABLE stream_chunks (
  session_id        text NOT NULL,
  payload_id        bigint NOT NULL,
  chunk_index       integer NOT NULL,
  content_encoding  smallint NOT NULL,
  raw_size          bigint NOT NULL,
  storage_encoding  smallint NOT NULL,
  data              bytea NOT NULL,
  data_sha256       bytea NOT NULL,
  is_beacon         boolean NOT NULL DEFAULT false,
  received_at       timestamptz NOT NULL,
  persisted_at      timestamptz NOT NULL DEFAULT now(),
  kafka_partition   integer NOT NULL,
  kafka_offset      bigint NOT NULL,
  PRIMARY KEY (session_id, payload_id, chunk_index)
);
-- Compressed already (as session_payloads.data).
ALTER TABLE stream_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX stream_chunks_persisted_at ON stream_chunks (persisted_at);

-- Chunk rows of streams that never completed leave session_payloads: a
-- payload with a row beyond chunk 0 and no payload_streams row. (A
-- one-chunk stream's only row was stored only once verified.) Rows written
-- before migration 3 have no data_sha256; theirs is computed here (raw
-- rows only: older rows were never compressed). This reads session_payloads
-- once, sequentially (no index leads with chunk_index), and locks only the
-- rows it moves: ingest's inserts go on meanwhile.
WITH incomplete AS (
  DELETE FROM session_payloads p
  USING (SELECT DISTINCT session_id, payload_id FROM session_payloads q
         WHERE q.chunk_index > 0
           AND NOT EXISTS (SELECT 1 FROM payload_streams s
                           WHERE s.session_id = q.session_id AND s.payload_id = q.payload_id))
        AS k
  WHERE p.session_id = k.session_id AND p.payload_id = k.payload_id
  RETURNING p.*)
INSERT INTO stream_chunks (session_id, payload_id, chunk_index, content_encoding, raw_size,
                           storage_encoding, data, data_sha256, is_beacon, received_at,
                           persisted_at, kafka_partition, kafka_offset)
SELECT session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding, data,
       coalesce(data_sha256, sha256(data)), is_beacon, received_at, persisted_at,
       kafka_partition, kafka_offset
FROM incomplete;
