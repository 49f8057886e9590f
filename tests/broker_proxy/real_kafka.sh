#!/usr/bin/env bash
# tests/broker_proxy/real_kafka.sh — broker-proxy and ingestctl against a real
# single-broker Apache Kafka (the local stack of `./dev up --fresh`), as an
# operator uses them:
#
#   ensure_describe     ingestctl topics ensure / describe round trip: the
#                       stack's topics are already safe; a new topic and its
#                       DLQ are created with cleanup.policy=delete
#   unsafe_refused      an unsafe request (min.insync.replicas >= RF) exits 3
#                       with the finding, and creates nothing
#   unauthenticated     a wrong operator token is refused
#   offsets_reset_refused  while the worker runs (a member of the group, with
#                       a few sessions processed so the database holds
#                       offsets), `offsets reset --to=latest --execute` exits
#                       3 ("stop the workers first") and the database's
#                       offsets stay
#   poison_redrive      with the worker running, PostgreSQL refuses payload
#                       3 of a session (a trigger raising SQLSTATE 22023): the
#                       worker dead-letters it and quarantines the session,
#                       payloads 4-6 follow to the DLQ (ingestctl dlq list
#                       shows the four, sessions show says quarantined); a
#                       redrive while the cause stands fails again and
#                       `dlq redrive --wait` says so (exit 1); once the trigger
#                       accepts, `dlq redrive --wait` lands the session:
#                       payloads 1-6, no gaps, not quarantined, stored in
#                       payload order (session_payloads.persisted_seq), none
#                       twice, and the DLQ's letters stay for the record
#   replay_idempotent   that session then gets (grpcurl against the gateway)
#                       two identifies, two property updates, feedback and two
#                       backend errors; `ingestctl replay` of the session
#                       re-produces all its records (the originals, both
#                       redrives, those calls); once the worker caught up the
#                       session still holds payloads 1-6 once each, one
#                       feedback row, two error rows, the second identify and
#                       properties, not quarantined; a replay of just the
#                       first identify and properties changes nothing either
#   erased_redrive      a second session quarantined as above (payload 3
#                       refused, 4-6 follow to the DLQ) is erased with
#                       `ingestctl sessions delete` (`sessions show` then
#                       says it was erased); a replay of it then
#                       stores nothing and adds nothing to the DLQ (the
#                       worker still held the quarantine in memory: it drops
#                       the records, counts them in
#                       ingest_worker_records_dropped_total{reason="erased"}
#                       and lifts the quarantine), and `dlq redrive` is
#                       refused (exit 3, "was erased") with nothing produced
#   lag_worker_stopped  with the worker stopped, the lag ingestctl shows is
#                       exactly what the gateway acknowledged meanwhile (the
#                       payloads and each session's initialization), and the
#                       group is Empty
#   offsets_reset       then (worker still stopped): `--to=latest --dry_run`
#                       lists the changes (some from a stored offset) and
#                       changes nothing; `--execute`
#                       makes the lag 0, and the database's next_offset and
#                       Kafka's committed offset of every partition equal its
#                       high watermark
#
# Usage: tests/broker_proxy/real_kafka.sh
# Starts its own stack (`./dev up --fresh --no-build`, real Kafka) and stops
# it on exit; refuses to run while another stack is up. The last line is the
# verdict, e.g. "broker_proxy: ensure_describe=ok unsafe_refused=ok ...";
# the exit status is non-zero unless every check is ok.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# ./dev's helpers: wait_until (a wait with a deadline that gives up early if
# the process it needs exited), pidfile_pid, stop_bg.
# shellcheck source=deploy/local/common.sh
source "$ROOT/deploy/local/common.sh"
CHECKS=(ensure_describe unsafe_refused unauthenticated offsets_reset_refused poison_redrive
  replay_idempotent erased_redrive lag_worker_stopped offsets_reset)
declare -A VERDICT
for check in "${CHECKS[@]}"; do VERDICT[$check]=fail; done
STARTED=0
WORK="$(mktemp -d)"

say() { printf '[broker_proxy] %s\n' "$*" >&2; }
verdict_line() {
  local line="broker_proxy:" check
  for check in "${CHECKS[@]}"; do line+=" $check=${VERDICT[$check]}"; done
  echo "$line"
}
finish() {
  local rc=$?
  ((STARTED)) && ./dev down --stack-only >/dev/null 2>&1
  rm -rf "$WORK"
  verdict_line
  for check in "${CHECKS[@]}"; do [[ "${VERDICT[$check]}" == ok ]] || exit 1; done
  exit "$rc"
}
trap finish EXIT

# shellcheck source=tests/lib/go_tools.sh
source "$ROOT/tests/lib/go_tools.sh"
GRPCURL="$(install_go_tool grpcurl "$GRPCURL_MODULE" "$GRPCURL_VERSION")" ||
  { say "grpcurl is needed to call the gateway (above)"; exit 1; }

if ./dev status 2>/dev/null | grep -Eq ': running'; then
  ./dev status >&2 || true
  say "a local stack is running; this test needs a fresh one of its own (./dev down first)"
  exit 1
fi
say "starting a stack: ./dev up --fresh --no-build (real Kafka)"
if ! ./dev up --fresh --no-build >"$WORK/up.log" 2>&1; then
  tail -n 30 "$WORK/up.log" >&2
  say "./dev up failed (output above)"
  exit 1
fi
STARTED=1
# shellcheck source=/dev/null
. .local/endpoints.env
INGESTCTL="${DEV_BIN_DIR:-bazel-bin}/services/broker_proxy/ingestctl/ingestctl"
LOADGEN="${DEV_BIN_DIR:-bazel-bin}/tools/loadgen/loadgen"

# json_field FILE EXPR: prints Python expression(s) over the JSON in FILE
# (as `r`), space-separated; proto3 JSON writes int64 values as strings.
json_field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# sql STATEMENT: runs it against the stack's PostgreSQL, quietly.
sql() { psql "$PG_DSN" -Atq -v ON_ERROR_STOP=1 -c "$1"; }

# --- ensure_describe ------------------------------------------------------
check_ensure_describe() {
  "$INGESTCTL" --json topics ensure >"$WORK/ensure-stack.json" || return 1
  [[ "$(json_field "$WORK/ensure-stack.json" "' '.join(t['action'] for t in r['topics'])")" == \
    "ALREADY_SAFE ALREADY_SAFE" ]] || { say "the stack's topics: $(cat "$WORK/ensure-stack.json")"; return 1; }
  "$INGESTCTL" --json topics ensure --topic=bp.check --partitions=3 >"$WORK/ensure-new.json" || return 1
  [[ "$(json_field "$WORK/ensure-new.json" "' '.join(t['name']+':'+t['action'] for t in r['topics'])")" == \
    "bp.check:CREATED bp.check.dlq:CREATED" ]] || { say "new topic: $(cat "$WORK/ensure-new.json")"; return 1; }
  "$INGESTCTL" --json topics describe --topic=bp.check >"$WORK/describe.json" || return 1
  local got
  got="$(json_field "$WORK/describe.json" \
    "len(r['topic']['partitions']), r['topic']['configs']['cleanup.policy'], len(r['topic'].get('unsafe', []))")"
  [[ "$got" == "3 delete 0" ]] || { say "describe bp.check: $got"; return 1; }
  # Ensuring again changes nothing.
  "$INGESTCTL" --json topics ensure --topic=bp.check --partitions=3 >"$WORK/ensure-again.json" || return 1
  [[ "$(json_field "$WORK/ensure-again.json" "' '.join(t['action'] for t in r['topics'])")" == \
    "ALREADY_SAFE ALREADY_SAFE" ]]
}

# --- unsafe_refused -------------------------------------------------------
check_unsafe_refused() {
  local rc=0
  "$INGESTCTL" topics ensure --topic=bp.unsafe --min_insync_replicas=2 >"$WORK/unsafe.out" 2>&1 || rc=$?
  ((rc == 3)) || { say "unsafe ensure exited $rc: $(cat "$WORK/unsafe.out")"; return 1; }
  grep -q 'min.insync.replicas' "$WORK/unsafe.out" || return 1
  rc=0
  "$INGESTCTL" topics describe --topic=bp.unsafe >"$WORK/unsafe-describe.out" 2>&1 || rc=$?
  ((rc == 1)) && grep -q NOT_FOUND "$WORK/unsafe-describe.out"
}

# --- unauthenticated ------------------------------------------------------
check_unauthenticated() {
  local rc=0
  INGESTCTL_TOKEN_FILE= "$INGESTCTL" --token=not-a-known-operator-token lag >"$WORK/auth.out" 2>&1 || rc=$?
  ((rc == 1)) && grep -q UNAUTHENTICATED "$WORK/auth.out"
}

# db_offsets: "partition:next_offset ..." of ingest.tasks in the database.
db_offsets() {
  sql "SELECT string_agg(partition || ':' || next_offset, ' ' ORDER BY partition)
    FROM consumer_offsets WHERE topic = 'ingest.tasks'"
}

# --- offsets_reset_refused ------------------------------------------------
worker_in_group() {  # the group ingestctl lag shows has a member
  "$INGESTCTL" --json lag >"$WORK/lag-running.json" &&
    [[ "$(json_field "$WORK/lag-running.json" "int(r.get('members', 0))")" -gt 0 ]]
}

check_offsets_reset_refused() {
  local before rc=0
  # The worker joins its group shortly after start.
  wait_until 60 "the worker to join its group" worker worker_in_group ||
    { say "the worker never joined its group: $(cat "$WORK/lag-running.json")"; return 1; }
  # Some records processed first, so the database holds offsets to move from
  # (the load generator waits until PostgreSQL has every payload).
  INGEST_API_KEY="$API_KEY" "$LOADGEN" --gateway="$GATEWAY_ADDR" --pg_dsn="$PG_DSN" \
    --sessions=4 --payloads=5 --verify_timeout=30s >"$WORK/load-running.out" 2>&1 ||
    { say "load with the worker running: $(tail -n 3 "$WORK/load-running.out")"; return 1; }
  before="$(db_offsets)"
  [[ -n "$before" ]] || { say "the worker stored no offsets"; return 1; }
  "$INGESTCTL" offsets reset --to=latest --execute >"$WORK/reset-refused.out" 2>&1 || rc=$?
  ((rc == 3)) || { say "reset with a running worker exited $rc: $(cat "$WORK/reset-refused.out")"; return 1; }
  grep -q 'stop the workers first' "$WORK/reset-refused.out" || return 1
  [[ "$(db_offsets)" == "$before" ]] || { say "database offsets moved: $before -> $(db_offsets)"; return 1; }
  cat "$WORK/reset-refused.out" >&2
}

# --- poison_redrive -------------------------------------------------------
letters_of() {  # letters_of SESSION: how many dead letters ingestctl lists for it
  "$INGESTCTL" --json dlq list --session="$1" --limit=1000 >"$WORK/dlq.json" &&
    json_field "$WORK/dlq.json" "len(r.get('letters', []))"
}
has_letters() { [[ "$(letters_of "$1")" -ge "$2" ]]; }
quarantined_with_follows() {
  [[ "$(sql "SELECT count(*) FROM quarantined_sessions")" == 1 ]] &&
    [[ "$(sql "SELECT coalesce(max(followed_through), -1) >= 0 FROM quarantined_sessions")" == t ]]
}

# PostgreSQL refuses payload 3 of any session until accept_payloads.
refuse_payload_3() {
  sql "CREATE TABLE bp_refused_payload (payload_id bigint);
       INSERT INTO bp_refused_payload VALUES (3);
       CREATE FUNCTION bp_refuse_payload() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN
         IF NEW.payload_id IN (SELECT payload_id FROM bp_refused_payload) THEN
           RAISE EXCEPTION 'payload % refused by the test', NEW.payload_id USING ERRCODE = '22023';
         END IF;
         RETURN NEW;
       END \$\$;
       CREATE TRIGGER bp_refuse BEFORE INSERT ON session_payloads
         FOR EACH ROW EXECUTE FUNCTION bp_refuse_payload();"
}
accept_payloads() {
  sql "DROP TRIGGER bp_refuse ON session_payloads; DROP FUNCTION bp_refuse_payload();
       DROP TABLE bp_refused_payload"
}

# quarantine_one_session SEED: one session of six payloads with payload 3
# refused; prints its id once it is quarantined with payloads 3-6 in the
# DLQ. Its verification fails by design (payloads 3-6 are in the DLQ), so
# the load generator's exit status is not the test.
quarantine_one_session() {
  INGEST_API_KEY="$API_KEY" "$LOADGEN" --gateway="$GATEWAY_ADDR" --pg_dsn="$PG_DSN" \
    --sessions=1 --payloads=6 --min_payload_bytes=2000 --max_payload_bytes=4000 \
    --verify_timeout=1s --seed="$1" >"$WORK/load-poison-$1.out" 2>&1 || true
  wait_until 60 "the session's quarantine with its followers" worker quarantined_with_follows ||
    return 1
  local session
  session="$(sql "SELECT session_id FROM quarantined_sessions")"
  wait_until 60 "four dead letters of $session" worker has_letters "$session" 4 || return 1
  say "quarantined: $session"
  echo "$session"
}

check_poison_redrive() {
  refuse_payload_3 || return 1
  local session
  session="$(quarantine_one_session 7)" || return 1
  "$INGESTCTL" dlq list --session="$session" >"$WORK/dlq-list.out" || return 1
  "$INGESTCTL" sessions show "$session" >"$WORK/show-quarantined.out" || return 1
  cat "$WORK/dlq-list.out" "$WORK/show-quarantined.out" >&2
  [[ "$(json_field "$WORK/dlq.json" "' '.join(str(l.get('payload_id')) for l in r['letters'])")" == \
    "3 4 5 6" ]] || { say "letters: $(cat "$WORK/dlq.json")"; return 1; }
  grep -q quarantined "$WORK/show-quarantined.out" || return 1

  # The cause stands: the redrive fails again, and --wait says so.
  local rc=0
  "$INGESTCTL" dlq redrive "$session" --wait --wait_timeout=60s >"$WORK/redrive-early.out" 2>&1 || rc=$?
  cat "$WORK/redrive-early.out" >&2
  ((rc == 1)) || { say "a redrive while the cause stands exited $rc"; return 1; }
  [[ "$(sql "SELECT count(*) FROM quarantined_sessions WHERE session_id = '$session'")" == 1 ]] ||
    { say "the quarantine was lifted though payload 3 is still refused"; return 1; }

  # The cause is fixed: PostgreSQL accepts payload 3 now.
  sql "DELETE FROM bp_refused_payload" || return 1
  "$INGESTCTL" dlq redrive "$session" --wait --wait_timeout=60s >"$WORK/redrive.out" 2>&1 ||
    { say "redrive after the fix: $(cat "$WORK/redrive.out")"; return 1; }
  cat "$WORK/redrive.out" >&2
  "$INGESTCTL" --json sessions show "$session" >"$WORK/show.json" || return 1
  "$INGESTCTL" sessions show "$session" >&2 || return 1
  local got
  got="$(json_field "$WORK/show.json" "r.get('status'), int(r.get('payloads', 0)), len(r.get('gaps', []))")"
  [[ "$got" == "active 6 0" ]] || { say "after the redrive: $got: $(cat "$WORK/show.json")"; return 1; }
  got="$(sql "SELECT string_agg(payload_id::text, ' ' ORDER BY persisted_seq) FROM session_payloads
              WHERE session_id = '$session'")"
  [[ "$got" == "1 2 3 4 5 6" ]] || { say "stored order: $got"; return 1; }
  # The redriven payloads were folded into the summary once each.
  got="$(sql "SELECT (SELECT count(*) FROM payload_facts WHERE session_id = '$session') || ' ' ||
                     (event_count > 0) || ' ' || unparsed_payloads
              FROM sessions WHERE session_id = '$session'")"
  [[ "$got" == "6 true 0" ]] || { say "summary after the redrive (facts rows, events, unparsed): $got"; return 1; }
  summary_fingerprint "$session" >"$WORK/summary-after-redrive"
  accept_payloads || return 1
  echo "$session" >"$WORK/redriven-session"
}

# summary_fingerprint SESSION: the session's summary bytes (md5) and its
# lifecycle counters: what a replay or a redrive must not change.
summary_fingerprint() {
  sql "SELECT md5(summary) || ' events=' || event_count || ' reopened=' || coalesce(reopened_count, 0)
       FROM sessions WHERE session_id = '$1'"
}

# --- replay_idempotent ----------------------------------------------------
caught_up() {  # caught_up PARTITION OFFSET: the database's next offset reached OFFSET
  [[ "$(sql "SELECT coalesce(max(next_offset), -1) >= $2 FROM consumer_offsets
              WHERE topic = 'ingest.tasks' AND partition = $1")" == t ]]
}

# gateway METHOD JSON: one call of ingest.v1.Ingest with the stack's API key;
# prints the answer (JSON, proto field names).
gateway() {
  "$GRPCURL" -plaintext -max-time 20 -H "authorization: Bearer $API_KEY" -d "$2" \
    "$GATEWAY_ADDR" "ingest.v1.Ingest/$1"
}

# wait_stored PARTITION: waits until the worker stored everything the
# partition holds now (its database offset reached the high watermark).
wait_stored() {
  local high
  "$INGESTCTL" --json lag >"$WORK/lag-now.json" || return 1
  high="$(json_field "$WORK/lag-now.json" \
    "[int(p.get('high_watermark', 0)) for p in r['partitions'] if int(p.get('partition', 0)) == $1][0]")"
  wait_until 60 "the worker to store partition $1 up to offset $high" worker \
    caught_up "$1" "$high"
}

# session_rows SESSION: what the session's non-payload calls left in the
# database: "<feedback rows> <error rows> <user_identifier> step=<property>".
session_rows() {
  sql "SELECT (SELECT count(*) FROM session_feedback WHERE session_id = '$1') || ' ' ||
              (SELECT count(*) FROM backend_errors WHERE session_id = '$1') || ' ' ||
              coalesce(user_identifier, '-') || ' step=' || coalesce(properties->>'step', '-')
       FROM sessions WHERE session_id = '$1'"
}

check_replay_idempotent() {
  local session got partition first_identify first_properties want
  session="$(cat "$WORK/redriven-session" 2>/dev/null)" || { say "no redriven session to replay"; return 1; }
  # Calls whose rows are keyed by Kafka position (feedback, errors) or are
  # last-write-wins (identify, properties).
  local s="\"session_id\":\"$session\""
  gateway IdentifySession "{$s,\"user_identifier\":\"first@example.com\"}" >"$WORK/identify-1.json" &&
    gateway AddSessionProperties "{$s,\"properties\":{\"step\":\"1\"}}" >"$WORK/properties-1.json" &&
    gateway AddSessionFeedback "{$s,\"verbatim\":\"replays are fine\"}" >/dev/null &&
    gateway PushBackendErrors "{\"errors\":[{$s,\"event\":\"boom\"},{$s,\"event\":\"bang\"}]}" >/dev/null &&
    gateway IdentifySession "{$s,\"user_identifier\":\"second@example.com\"}" >/dev/null &&
    gateway AddSessionProperties "{$s,\"properties\":{\"step\":\"2\"}}" >/dev/null ||
    { say "a call to the gateway failed"; return 1; }
  partition="$(json_field "$WORK/identify-1.json" "int(r['position'].get('partition', 0))")"
  first_identify="$(json_field "$WORK/identify-1.json" "int(r['position'].get('offset', 0))")"
  first_properties="$(json_field "$WORK/properties-1.json" "int(r['position'].get('offset', 0))")"
  wait_stored "$partition" || return 1
  want="1 2 second@example.com step=2"
  got="$(session_rows "$session")"
  [[ "$got" == "$want" ]] || { say "before any replay: $got (want $want)"; return 1; }

  "$INGESTCTL" --json --timeout=60s replay "$session" >"$WORK/replay.json" ||
    { say "replay: $(cat "$WORK/replay.json")"; return 1; }
  "$INGESTCTL" replay "$session" --dry_run >&2 || return 1
  # Init, six payloads, four records of each redrive, the six calls above.
  got="$(json_field "$WORK/replay.json" "int(r.get('records_found', 0)), int(r.get('records_replayed', 0))")"
  [[ "$got" == "21 21" ]] || { say "replay found/replayed: $got: $(cat "$WORK/replay.json")"; return 1; }
  [[ "$(json_field "$WORK/replay.json" "int(r.get('partition', 0))")" == "$partition" ]] ||
    { say "replayed to another partition: $(cat "$WORK/replay.json")"; return 1; }
  wait_stored "$partition" || return 1
  "$INGESTCTL" --json sessions show "$session" >"$WORK/show-replayed.json" || return 1
  got="$(json_field "$WORK/show-replayed.json" "r.get('status'), int(r.get('payloads', 0)), len(r.get('gaps', []))")"
  [[ "$got" == "active 6 0" ]] || { say "after the replay: $got"; return 1; }
  got="$(sql "SELECT count(*) FROM session_payloads WHERE session_id = '$session'")"
  [[ "$got" == 6 ]] || { say "after the replay the session has $got payload rows"; return 1; }
  got="$(summary_fingerprint "$session")"
  [[ "$got" == "$(cat "$WORK/summary-after-redrive")" ]] ||
    { say "the replay changed the summary: $got (was $(cat "$WORK/summary-after-redrive"))"; return 1; }
  got="$(session_rows "$session")"
  [[ "$got" == "$want" ]] || { say "after the replay: $got (want $want)"; return 1; }

  # An old range: just the first identify and properties, replayed after the
  # newer ones were stored, must not undo them.
  "$INGESTCTL" --json replay "$session" --from_offset="$first_identify" \
    --to_offset="$first_properties" >"$WORK/replay-old.json" ||
    { say "replay of offsets $first_identify-$first_properties: $(cat "$WORK/replay-old.json")"; return 1; }
  got="$(json_field "$WORK/replay-old.json" "int(r.get('records_replayed', 0))")"
  [[ "$got" == 2 ]] || { say "the old range replayed $got records: $(cat "$WORK/replay-old.json")"; return 1; }
  wait_stored "$partition" || return 1
  got="$(session_rows "$session")"
  [[ "$got" == "$want" ]] || { say "after replaying the old range: $got (want $want)"; return 1; }
  say "replayed twice; the session's rows: $got"
}

# --- erased_redrive -------------------------------------------------------
# worker_dropped_erased: ingest_worker_records_dropped_total{reason="erased"}
# as the worker's metrics show it now (0 before the first).
worker_dropped_erased() {
  curl -fsS "$WORKER_METRICS_URL" |
    awk '/^ingest_worker_records_dropped_total\{reason="erased"\}/ { n = $2 } END { print n + 0 }'
}
dropped_erased_reached() { (($(worker_dropped_erased) >= $1)); }

check_erased_redrive() {
  refuse_payload_3 || return 1
  local session
  session="$(quarantine_one_session 8)" || return 1
  accept_payloads || return 1
  "$INGESTCTL" sessions delete "$session" >"$WORK/erase.out" 2>&1 ||
    { say "erasure: $(cat "$WORK/erase.out")"; return 1; }
  cat "$WORK/erase.out" >&2
  [[ "$(sql "SELECT count(*) FROM quarantined_sessions WHERE session_id = '$session'")" == 0 ]] ||
    { say "the erasure left the quarantine row"; return 1; }
  "$INGESTCTL" sessions show "$session" >"$WORK/show-erased.out" 2>&1 || true
  grep -q "was erased" "$WORK/show-erased.out" ||
    { say "sessions show of the erased session: $(cat "$WORK/show-erased.out")"; return 1; }

  # A replay: the worker still holds the quarantine in memory.
  local dropped_before replayed partition got rc=0
  dropped_before="$(worker_dropped_erased)"
  "$INGESTCTL" --json --timeout=60s replay "$session" >"$WORK/replay-erased.json" ||
    { say "replay of the erased session: $(cat "$WORK/replay-erased.json")"; return 1; }
  replayed="$(json_field "$WORK/replay-erased.json" "int(r.get('records_replayed', 0))")"
  partition="$(json_field "$WORK/replay-erased.json" "int(r.get('partition', 0))")"
  ((replayed >= 7)) || { say "replayed $replayed records (init and six payloads expected)"; return 1; }
  wait_stored "$partition" || return 1
  wait_until 30 "the worker to count $replayed dropped records" worker \
    dropped_erased_reached "$((dropped_before + replayed))" ||
    { say "records_dropped_total{reason=\"erased\"}: $dropped_before -> $(worker_dropped_erased)"; return 1; }
  got="$(sql "SELECT concat((SELECT count(*) FROM sessions WHERE session_id = '$session'),
                            (SELECT count(*) FROM session_payloads WHERE session_id = '$session'),
                            (SELECT count(*) FROM payload_facts WHERE session_id = '$session'),
                            (SELECT count(*) FROM quarantined_sessions WHERE session_id = '$session'))")"
  [[ "$got" == "0000" ]] || { say "rows of the erased session after the replay: $got"; return 1; }
  got="$(letters_of "$session")"
  [[ "$got" == 4 ]] || { say "the DLQ holds $got letters of the erased session (4 before the replay)"; return 1; }

  # A redrive is refused before anything is produced.
  "$INGESTCTL" --json lag >"$WORK/lag-before-redrive.json" || return 1
  "$INGESTCTL" dlq redrive "$session" >"$WORK/redrive-erased.out" 2>&1 || rc=$?
  cat "$WORK/redrive-erased.out" >&2
  ((rc == 3)) || { say "a redrive of the erased session exited $rc"; return 1; }
  grep -q "was erased" "$WORK/redrive-erased.out" || return 1
  "$INGESTCTL" --json lag >"$WORK/lag-after-redrive.json" || return 1
  high_marks() { json_field "$1" "' '.join(str(p.get('high_watermark', 0)) for p in r['partitions'])"; }
  [[ "$(high_marks "$WORK/lag-before-redrive.json")" == "$(high_marks "$WORK/lag-after-redrive.json")" ]] ||
    { say "the refused redrive produced records"; return 1; }
  say "erased $session: replay of $replayed records dropped, redrive refused"
}

# --- lag_worker_stopped ---------------------------------------------------
check_lag_worker_stopped() {
  local acked lag
  stop_bg worker 60
  # The load generator verifies against PostgreSQL; with no worker nothing is
  # persisted, so it reports them lost and exits non-zero: expected here.
  INGEST_API_KEY="$API_KEY" "$LOADGEN" --gateway="$GATEWAY_ADDR" --pg_dsn="$PG_DSN" \
    --sessions=8 --payloads=25 --verify_timeout=1s >"$WORK/load.out" 2>&1 || true
  acked="$(grep -o 'acked=[0-9]*' "$WORK/load.out" | tail -n 1 | cut -d= -f2)"
  [[ -n "$acked" && "$acked" -gt 0 ]] || { say "load: $(tail -n 3 "$WORK/load.out")"; return 1; }
  "$INGESTCTL" --json lag >"$WORK/lag.json" || return 1
  lag="$(json_field "$WORK/lag.json" "int(r.get('total_lag', 0)), r.get('group_state'), r.get('members', 0)")"
  # Each session's InitializeSession is a record too: 8 of them.
  [[ "$lag" == "$((acked + 8)) Empty 0" ]] || { say "lag $lag, acked $acked payloads of 8 sessions"; return 1; }
  "$INGESTCTL" lag >&2
}

# --- offsets_reset ----------------------------------------------------------
# After lag_worker_stopped: the worker is stopped and records are waiting.
check_offsets_reset() {
  local before got
  "$INGESTCTL" --json lag >"$WORK/lag-before-reset.json" || return 1
  [[ "$(json_field "$WORK/lag-before-reset.json" "int(r.get('total_lag', 0)) > 0")" == True ]] ||
    { say "nothing waiting before the reset: $(cat "$WORK/lag-before-reset.json")"; return 1; }
  before="$(db_offsets)"
  # Dry run: every partition listed, moving to its high watermark; nothing written.
  "$INGESTCTL" --json offsets reset --to=latest --dry_run >"$WORK/reset-dry.json" || return 1
  got="$(python3 -c "import json,sys
r = json.load(open(sys.argv[1])); lag = json.load(open(sys.argv[2]))
to = sorted((int(c.get('partition', 0)), int(c.get('to_offset', 0))) for c in r['changes'])
high = sorted((int(p.get('partition', 0)), int(p.get('high_watermark', 0))) for p in lag['partitions'])
# A partition the database holds no offset for yet (from -1) moves too.
moved = [c for c in r['changes'] if int(c['from_offset']) < int(c['to_offset'])]
print(r.get('applied', False), to == high, len(moved) > 0)" "$WORK/reset-dry.json" "$WORK/lag-before-reset.json")"
  [[ "$got" == "False True True" ]] || { say "dry run: $got: $(cat "$WORK/reset-dry.json")"; return 1; }
  "$INGESTCTL" offsets reset --to=latest --dry_run >&2 || return 1
  [[ "$(db_offsets)" == "$before" ]] || { say "dry run moved the database: $before -> $(db_offsets)"; return 1; }
  "$INGESTCTL" --json lag >"$WORK/lag-after-dry.json" || return 1
  [[ "$(json_field "$WORK/lag-after-dry.json" "r['total_lag']")" == \
     "$(json_field "$WORK/lag-before-reset.json" "r['total_lag']")" ]] || { say "dry run changed the lag"; return 1; }
  # Execute: lag 0; database and Kafka both at each high watermark.
  "$INGESTCTL" offsets reset --to=latest --execute >"$WORK/reset.out" 2>&1 ||
    { say "reset: $(cat "$WORK/reset.out")"; return 1; }
  cat "$WORK/reset.out" >&2
  grep -q '^applied' "$WORK/reset.out" || return 1
  "$INGESTCTL" --json lag >"$WORK/lag-after-reset.json" || return 1
  got="$(json_field "$WORK/lag-after-reset.json" "int(r.get('total_lag', 0)), \
    all(int(p.get('database_next_offset', -1)) == int(p.get('high_watermark', 0)) and \
        int(p.get('kafka_committed_offset', -1)) == int(p.get('high_watermark', 0)) for p in r['partitions']), \
    ' '.join('%d:%d' % (int(p.get('partition', 0)), int(p.get('high_watermark', 0))) for p in sorted(r['partitions'], key=lambda p: int(p.get('partition', 0))))")"
  [[ "$got" == "0 True $(db_offsets)" ]] ||
    { say "after the reset: lag/all-at-high/highs '$got', database '$(db_offsets)'"; return 1; }
  "$INGESTCTL" lag >&2
}

for check in "${CHECKS[@]}"; do
  if "check_$check"; then VERDICT[$check]=ok; else say "$check failed"; fi
done
