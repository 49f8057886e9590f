-- Migration 4: redrive bookkeeping on quarantined sessions.
--
-- redrive_id: set by broker-proxy's RedriveSession just before it produces
-- the session's dead letters back to the ingest topic, each record carrying
-- the same id in its `redrive.id` header. The worker processes a quarantined
-- session's records only when their header matches this column, and deletes
-- the row (lifting the quarantine) in the transaction that stores the
-- redrive's last record. NULL: no redrive under way.
--
-- followed_through: the highest source offset of a record that followed the
-- quarantine to the DLQ (reason quarantined_session). A redrive scanned the
-- DLQ for records below its `redrive.scanned_through` offset; if a record at
-- or past it followed too, the redrive did not carry it and the worker keeps
-- the quarantine (redrive again: stored rows are keyed, replays are no-ops).
ALTER TABLE quarantined_sessions
  ADD COLUMN redrive_id text,
  ADD COLUMN followed_through bigint;
