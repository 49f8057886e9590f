-- Migration 5: a redriven or replayed record writes nothing new.
--
-- broker-proxy produces records again at new offsets (RedriveSession from
-- the DLQ, ReplaySession from the ingest topic); each copy carries where its
-- original first entered the topic in its `first.partition` and
-- `first.offset` headers. From this version the worker writes that first
-- position, not the copy's, to the kafka_partition / kafka_offset keys of
-- session_feedback, backend_errors and metrics, so a copy's rows conflict
-- with the original's and are skipped.
--
-- Identify and property updates are last-write-wins; these columns hold the
-- first position of the record last applied, and an update from an earlier
-- record (a replay of an old range) is skipped instead of undoing a newer
-- one. NULL: none applied since this migration. Adding nullable columns
-- without a default rewrites nothing, so this is instant on a large table.
ALTER TABLE sessions
  ADD COLUMN identify_partition integer,
  ADD COLUMN identify_offset bigint,
  ADD COLUMN properties_partition integer,
  ADD COLUMN properties_offset bigint;
