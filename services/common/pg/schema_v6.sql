-- Migration 6: a conflicting duplicate flags its session instead of
-- quarantining it.
--
-- A record that repeats a stored (session_id, payload_id) with other bytes
-- goes to the DLQ alone (reason conflicting_duplicate); the first copy stays
-- and the session's later payloads are stored as usual. This counter tells
-- an operator which sessions had one. A constant default adds the column
-- without rewriting the table.
ALTER TABLE sessions ADD COLUMN conflicting_duplicates bigint NOT NULL DEFAULT 0;
