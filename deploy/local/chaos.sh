# shellcheck shell=bash
# ./dev chaos: fault scenarios on the real stack (issue 5).
#
# Each scenario starts its own stack under .local/chaos/ (real Apache Kafka in
# KRaft mode, one node or three with replication 3 and min.insync.replicas 2,
# a PostgreSQL cluster of its own, two gateways, two or three workers with
# static membership), runs tools/chaos/chaos_load (SDK-like sessions that
# retry with the same payload_id on the other gateway), injects the fault
# while the load runs, writes the fault's start and end to a marks file, and
# lets chaos_load drain, verify the ledger against PostgreSQL and print
#   chaos NAME: acked=… persisted=… lost=0 duplicates=0 out_of_order=0 gateway_errors=… recovery_s=… max_lag=…
# Everything is started and stopped by pid on 127.0.0.1; the EXIT trap stops
# the scenario's stack even when it fails. Results and the logs of each
# scenario are kept in .local/chaos/runs/<UTC time>/NAME/.
#
# Sourced by ./dev (needs start_gateway, start_worker, kafka_*, pg_*).

CHAOS_SCENARIOS=(pg-lock pg-migration pg-down worker-kill worker-rolling broker-kill kafka-down
  gateway-kill poison)
CHAOS_PG=pg-chaos
CHAOS_GATEWAYS=(gateway-1 gateway-2)
# Workers: static members (group.instance.id = their name) with a short
# session timeout, so a killed worker's partitions move on within seconds.
CHAOS_WORKER_FLAGS=(--session_timeout=10s --heartbeat_interval=1s --retry_max_backoff=5s)
CHAOS_LOAD_SESSIONS=12
CHAOS_DEADLINE_SLACK_SECONDS=420 # drain + verification after the load
STOP_CHAOS_ON_EXIT=0
CHAOS_RESULTS=() # chaos_NAME=ok|fail per scenario run, for ./dev test

# chaos_plan NAME SHORT: sets the scenario's shape. SHORT=1 is the ./dev test
# form (15 s faults).
chaos_plan() {
  local name="$1" short="$2"
  CHAOS_BROKERS=1
  CHAOS_WORKERS=2
  CHAOS_WARMUP_SECONDS=20
  CHAOS_TAIL_SECONDS=25
  CHAOS_FAULT_SECONDS=60
  CHAOS_LOAD_FLAGS=()
  CHAOS_EXTRA_WORKER_FLAGS=()
  case "$name" in
    pg-lock | pg-down) CHAOS_LOAD_FLAGS=(--expect_gateway_unaffected) ;;
    pg-migration) CHAOS_LOAD_FLAGS=(--expect_gateway_unaffected) CHAOS_FAULT_SECONDS=0 ;;
    worker-kill) CHAOS_WORKERS=3 CHAOS_FAULT_SECONDS=50 ;;
    worker-rolling) CHAOS_WORKERS=3 CHAOS_FAULT_SECONDS=0 ;;
    broker-kill) CHAOS_BROKERS=3 CHAOS_FAULT_SECONDS=0 ;;
    kafka-down)
      CHAOS_BROKERS=3 CHAOS_FAULT_SECONDS=30
      CHAOS_LOAD_FLAGS=(--expect_no_ok_during_fault)
      ;;
    gateway-kill) CHAOS_LOAD_FLAGS=(--stream_every=4 --stream_bytes=8388608) CHAOS_FAULT_SECONDS=0 ;;
    poison) CHAOS_FAULT_SECONDS=0 ;;
    *) die "chaos: unknown scenario $name (scenarios: ${CHAOS_SCENARIOS[*]} all)" ;;
  esac
  if ((short)); then
    CHAOS_WARMUP_SECONDS=15
    CHAOS_TAIL_SECONDS=20
    ((CHAOS_FAULT_SECONDS > 15)) && CHAOS_FAULT_SECONDS=15
  fi
  return 0
}

# How long the load runs: warm-up, the fault (scenarios whose fault has no
# fixed length get an estimate; the load only needs to outlast it), tail.
chaos_load_seconds() { # NAME
  local fault="$CHAOS_FAULT_SECONDS"
  case "$1" in
    pg-migration | gateway-kill | poison) fault=30 ;;
    worker-rolling) fault=$((CHAOS_WORKERS * 25)) ;;
    broker-kill) fault=150 ;;
  esac
  echo $((CHAOS_WARMUP_SECONDS + fault + CHAOS_TAIL_SECONDS))
}

chaos_mark() { # fault_start|fault_end
  echo "$1 $(date +%s%3N)" >>"$CHAOS_MARKS"
  log "chaos: $1"
}

chaos_sleep() { # SECONDS: sleeps, failing early if the load generator died
  local until=$((SECONDS + $1))
  while ((SECONDS < until)); do
    pidfile_alive chaos_load || die "chaos_load exited early (see ${CHAOS_OUT#"$ROOT"/})"
    sleep 0.5
  done
}

# CHAOS_STATIC_MEMBERSHIP=0 starts workers as dynamic members instead: then
# worker-rolling must fail (it shows what its check catches).
chaos_worker_start() { # N [EXTRA_FLAG...]
  local n="$1" membership=()
  shift
  [[ "${CHAOS_STATIC_MEMBERSHIP:-1}" == 0 ]] || membership=(--group_instance_id="worker-$n")
  start_worker "worker-$n" "${membership[@]}" "${CHAOS_WORKER_FLAGS[@]}" \
    "${CHAOS_EXTRA_WORKER_FLAGS[@]}" "$@"
}

chaos_gateway_start() { # NAME
  start_gateway "$1" --delivery_timeout=8s
}

chaos_stack_up() {
  local n gateway addresses=()
  STOP_CHAOS_ON_EXIT=1
  pg_start "$CHAOS_PG"
  pg_recreate_database "$PG_PORT"
  PG_DSN="$(pg_dsn "$PG_PORT")"
  KAFKA_NODES="$CHAOS_BROKERS"
  kafka_wipe_data
  kafka_start_real
  for ((n = 1; n <= CHAOS_WORKERS; n++)); do chaos_worker_start "$n"; done
  for gateway in "${CHAOS_GATEWAYS[@]}"; do
    chaos_gateway_start "$gateway"
    addresses+=("$GATEWAY_ADDR")
  done
  CHAOS_GATEWAY_ADDRS="$(IFS=,; echo "${addresses[*]}")"
  log "chaos: stack up: $CHAOS_BROKERS broker(s) at $KAFKA_BOOTSTRAP, $CHAOS_WORKERS workers, gateways $CHAOS_GATEWAY_ADDRS"
}

# Stops everything a scenario started: the load generator, services, Kafka,
# PostgreSQL (each by its recorded pid).
chaos_stack_down() {
  local file name
  stop_bg chaos_load 10
  stop_bg chaos_poison 10
  for file in "$PID_DIR"/gateway-*.pid "$PID_DIR"/worker-*.pid; do
    [[ -f "$file" ]] || continue
    name="$(basename "$file" .pid)"
    stop_bg "$name" 30
  done
  kafka_stop
  pg_stop "$CHAOS_PG" || true
  STOP_CHAOS_ON_EXIT=0
}

# ---------------------------------------------------------------------------
# Faults. Each writes fault_start/fault_end marks around what it breaks.

chaos_psql() { # SQL: runs SQL on the scenario's database, no statement timeout
  PGCONNECT_TIMEOUT=5 PGOPTIONS="-c statement_timeout=0 -c lock_timeout=0" \
    "$(pg_bindir)/psql" "$PG_DSN" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"
}

fault_pg_lock() {
  chaos_mark fault_start
  chaos_psql "BEGIN; LOCK TABLE session_payloads IN ACCESS EXCLUSIVE MODE;
    SELECT pg_sleep($CHAOS_FAULT_SECONDS); COMMIT;" >/dev/null ||
    die "pg-lock: could not hold the lock (psql failed)"
  chaos_mark fault_end
}

# A migration is only as long as its table: before the load, give
# session_payloads a history of older sessions (rows of 4 KB, stored raw as
# before migration 3), so the rewrite below holds its lock for a while.
prepare_pg_migration() {
  local rows=150000 started=$SECONDS
  ((CHAOS_SHORT)) && rows=30000
  chaos_psql "INSERT INTO session_payloads (session_id, payload_id, chunk_index, content_encoding,
      raw_size, data, received_at, kafka_partition, kafka_offset)
    SELECT 'history-' || (g / 100), g % 100 + 1, 0, 1, 4096,
      convert_to(repeat(md5(g::text), 128), 'UTF8'), now() - interval '1 day', -1, -1
    FROM generate_series(0, $rows - 1) AS g" >/dev/null ||
    die "pg-migration: could not write the table's history"
  log "chaos: pg-migration: $rows rows of history written in $((SECONDS - started))s"
}

# A real migration that rewrites session_payloads: a column whose default is
# volatile forces PostgreSQL to rewrite every row, under ACCESS EXCLUSIVE;
# then an index on it. Nothing in the pipeline knows the column.
fault_pg_migration() {
  local started=$SECONDS rows
  rows="$(chaos_psql "SELECT count(*) FROM session_payloads")"
  chaos_mark fault_start
  chaos_psql "BEGIN;
    ALTER TABLE session_payloads ADD COLUMN chaos_migrated_at timestamptz NOT NULL DEFAULT clock_timestamp();
    CREATE INDEX session_payloads_chaos_migrated_at ON session_payloads (chaos_migrated_at);
    COMMIT;" >/dev/null || die "pg-migration: the migration failed (psql)"
  chaos_mark fault_end
  log "chaos: pg-migration rewrote $rows rows in $((SECONDS - started))s"
}

fault_pg_down() {
  chaos_mark fault_start
  pg_stop "$CHAOS_PG" || die "pg-down: could not stop PostgreSQL"
  chaos_sleep "$CHAOS_FAULT_SECONDS"
  pg_start "$CHAOS_PG"
  chaos_mark fault_end
}

chaos_kill() { # NAME: SIGKILL a recorded process and wait until it is gone
  local pid
  pid="$(pidfile_pid "$1")" || die "chaos: $1 is not running"
  kill -KILL "$pid"
  while pid_alive "$pid"; do sleep 0.05; done
  wait "$pid" 2>/dev/null || true
  rm -f "$PID_DIR/$1.pid"
  log "chaos: SIGKILL $1 (pid $pid)"
}

# Five kills at random points (two in the short form). The first restarts
# its worker with --crash_after_db_commits, so the next kill lands exactly
# between a database commit and the Kafka commit.
fault_worker_kill() {
  local kills=5 kill n gap
  ((CHAOS_FAULT_SECONDS <= 15)) && kills=2
  gap=$((CHAOS_FAULT_SECONDS / kills))
  chaos_mark fault_start
  for ((kill = 1; kill <= kills; kill++)); do
    if ((kill == 2)); then
      # worker-1 runs with the crash hook since the first kill.
      wait_until 60 "worker-1 crash after a database commit" - bash -c "! kill -0 $(pidfile_pid worker-1 || echo 1) 2>/dev/null" ||
        die "worker-kill: worker-1 did not crash itself after its database commits"
      rm -f "$PID_DIR/worker-1.pid"
      log "chaos: worker-1 killed itself between a database commit and the Kafka commit"
      chaos_worker_start 1
      continue
    fi
    chaos_sleep $((gap / 2 + RANDOM % (gap / 2 + 1)))
    n=$((1 + RANDOM % CHAOS_WORKERS))
    ((kill == 1)) && n=1
    chaos_kill "worker-$n"
    sleep 1
    if ((kill == 1)); then
      chaos_worker_start 1 --crash_after_db_commits=25
    else
      chaos_worker_start "$n"
    fi
  done
  chaos_mark fault_end
}

# metric_sum NAME METRIC [MATCH]: the sum of METRIC's samples (those whose
# line contains MATCH, e.g. kind="revoked") on the /metrics of NAME (a
# process with a NAME-metrics port), as an integer.
metric_sum() {
  python3 - "http://127.0.0.1:$(<"$PORT_DIR/$1-metrics")/metrics" "$2" "${3:-}" <<'EOF'
import sys, urllib.request
url, name, match = sys.argv[1:4]
total = 0.0
with urllib.request.urlopen(url, timeout=5) as r:
    for line in r.read().decode().splitlines():
        if line.split('{', 1)[0].split(' ', 1)[0] == name and match in line:
            total += float(line.rsplit(' ', 1)[1])
print(int(total))
EOF
}

# worker_rebalanced NAME KIND: partitions KIND (assigned|revoked) by
# rebalances so far (0 before any).
worker_rebalanced() {
  metric_sum "$1" ingest_worker_rebalance_partitions_total "kind=\"$2\""
}

# SIGTERM each worker in turn and start it again under the same instance id.
# The others must see no rebalance meanwhile: no partition revoked, and (as
# cooperative-sticky never revokes from a survivor when a member leaves) no
# partition assigned to them either.
fault_worker_rolling() {
  local n other kind revoked=0 assigned=0
  local -A before=()
  chaos_mark fault_start
  for ((n = 1; n <= CHAOS_WORKERS; n++)); do
    for ((other = 1; other <= CHAOS_WORKERS; other++)); do
      for kind in revoked assigned; do
        before[$other.$kind]="$(worker_rebalanced "worker-$other" "$kind")"
      done
    done
    stop_bg "worker-$n" 30
    chaos_worker_start "$n"
    chaos_sleep 5
    for ((other = 1; other <= CHAOS_WORKERS; other++)); do
      ((other == n)) && continue
      revoked=$((revoked + $(worker_rebalanced "worker-$other" revoked) - before[$other.revoked]))
      assigned=$((assigned + $(worker_rebalanced "worker-$other" assigned) - before[$other.assigned]))
    done
  done
  chaos_mark fault_end
  CHAOS_EXTRA_LINE="chaos worker-rolling: restarts=$CHAOS_WORKERS partitions_revoked_from_others=$revoked partitions_moved_to_others=$assigned"
  ((revoked == 0 && assigned == 0)) || CHAOS_EXTRA_FAILED=1
}

kafka_describe() {
  timeout 20 "$(bin_path tools/kafka_topics/kafka_topics)" --bootstrap="$KAFKA_BOOTSTRAP" \
    --topic="$KAFKA_TOPIC" --describe --timeout=10s 2>>"$LOG_DIR/kafka_topics.log"
}

# The node that leads the most partitions of the topic.
busiest_leader() {
  kafka_describe | sed -n 's/.* leader=\([0-9]*\) .*/\1/p' | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}'
}

topic_fully_replicated() {
  local lines
  lines="$(kafka_describe)" || return 1
  [[ -n "$lines" ]] || return 1
  ! grep -v -q "isr=[0-9]*,[0-9]*,[0-9]*$" <<<"$lines"
}

fault_broker_kill() {
  local round leader
  for round in 1 2 3; do
    leader="$(busiest_leader)"
    [[ -n "$leader" ]] || die "broker-kill: no partition leader found (kafka_topics --describe)"
    chaos_mark fault_start
    chaos_kill "$(kafka_node_name "$leader")"
    log "chaos: killed broker $leader, leader of the most partitions (round $round)"
    chaos_sleep 10
    kafka_restart_node "$leader"
    wait_until 120 "all partitions back in sync" - topic_fully_replicated ||
      die "broker-kill: partitions not fully replicated 120s after broker $leader restarted"
    chaos_mark fault_end
    ((round < 3)) && chaos_sleep 5
  done
  return 0
}

# Every broker at once, with SIGKILL (a graceful stop of the last ones would
# wait for a quorum that is gone; and the window must start sharply).
fault_kafka_down() {
  local node
  chaos_mark fault_start
  for ((node = 1; node <= CHAOS_BROKERS; node++)); do chaos_kill "$(kafka_node_name "$node")"; done
  chaos_sleep "$CHAOS_FAULT_SECONDS"
  chaos_mark fault_end
  kafka_start_cluster # the same nodes, ports and data; waits until they serve
}

gateway_streams_in_flight() { # NAME
  local streams
  streams="$(metric_sum "$1" ingest_gateway_in_flight_streams 2>/dev/null)" || return 1
  ((streams > 0))
}

# SIGKILL gateway-1 twice while it is receiving a streamed payload.
fault_gateway_kill() {
  local round
  for round in 1 2; do
    wait_until 60 "a stream in flight on gateway-1" gateway-1 gateway_streams_in_flight gateway-1 ||
      die "gateway-kill: no streamed payload reached gateway-1 within 60s"
    chaos_mark fault_start
    chaos_kill gateway-1
    chaos_sleep 3
    chaos_gateway_start gateway-1
    [[ ",$CHAOS_GATEWAY_ADDRS," == *",$GATEWAY_ADDR,"* ]] ||
      die "gateway-kill: gateway-1 came back on $GATEWAY_ADDR, not one of $CHAOS_GATEWAY_ADDRS"
    chaos_mark fault_end
    ((round < 2)) && chaos_sleep 8
  done
  return 0
}

fault_poison() {
  local out="$CHAOS_SCENARIO_DIR/poison.out" rc=0
  chaos_mark fault_start
  "$(bin_path tools/chaos_poison/chaos_poison)" --kafka_bootstrap="$KAFKA_BOOTSTRAP" \
    --topic="$KAFKA_TOPIC" --pg_dsn="$PG_DSN" >"$out" 2>>"$LOG_DIR/chaos_poison.log" || rc=$?
  chaos_mark fault_end
  CHAOS_EXTRA_LINE="$(tail -n 1 "$out")"
  ((rc == 0)) || CHAOS_EXTRA_FAILED=1
}

# ---------------------------------------------------------------------------

# chaos_run NAME SHORT: one scenario, start to end. Prints its lines on
# stdout; returns non-zero if it failed.
chaos_run() {
  local name="$1" short="$2" load_seconds deadline rc=0 pid
  # Runs in a subshell of its own (a failing scenario must not end the
  # others), which does not inherit ./dev's traps: stop the stack here.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap '((STOP_CHAOS_ON_EXIT)) && chaos_stack_down' EXIT
  chaos_plan "$name" "$short"
  CHAOS_SCENARIO_DIR="$CHAOS_RUN_DIR/$name"
  mkdir -p "$CHAOS_SCENARIO_DIR"
  CHAOS_MARKS="$CHAOS_SCENARIO_DIR/marks"
  CHAOS_OUT="$CHAOS_SCENARIO_DIR/chaos_load.out"
  CHAOS_EXTRA_LINE=""
  CHAOS_EXTRA_FAILED=0
  : >"$CHAOS_MARKS"
  rm -f "$LOG_DIR"/*.log "$LOG_DIR"/*.log.prev # this scenario's logs only
  log "chaos: --- $name$( ((short)) && echo " (short)") ---"
  chaos_stack_up

  CHAOS_SHORT="$short"
  if declare -F "prepare_${name//-/_}" >/dev/null; then "prepare_${name//-/_}"; fi
  load_seconds="$(chaos_load_seconds "$name")"
  start_bg chaos_load "--marks_file=$CHAOS_MARKS" "$CHAOS_OUT" \
    "$(bin_path tools/chaos/chaos_load)" --name="$name" --gateways="$CHAOS_GATEWAY_ADDRS" \
    --api_key="$API_KEY" --project="$PROJECT_ID" --pg_dsn="$PG_DSN" \
    --kafka_bootstrap="$KAFKA_BOOTSTRAP" --topic="$KAFKA_TOPIC" \
    --sessions="$CHAOS_LOAD_SESSIONS" --duration="${load_seconds}s" \
    --marks_file="$CHAOS_MARKS" --timeline_out="$CHAOS_SCENARIO_DIR/timeline.jsonl" \
    "${CHAOS_LOAD_FLAGS[@]}"
  pid="$(pidfile_pid chaos_load)" || die "chaos_load did not start (log: ${LOG_DIR#"$ROOT"/}/chaos_load.log)"
  log "chaos: load for ${load_seconds}s (chaos_load pid $pid); the fault starts after ${CHAOS_WARMUP_SECONDS}s"
  chaos_sleep "$CHAOS_WARMUP_SECONDS"
  "fault_${name//-/_}"

  deadline=$((SECONDS + load_seconds + CHAOS_DEADLINE_SLACK_SECONDS))
  while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 1; done
  if pid_alive "$pid"; then
    log "chaos: chaos_load still running after its deadline; stopping it"
    stop_bg chaos_load 10
    rc=1
  fi
  wait "$pid" || rc=$?
  rm -f "$PID_DIR/chaos_load.pid"

  chaos_stack_down
  cp "$LOG_DIR"/*.log "$CHAOS_SCENARIO_DIR/" 2>/dev/null || true
  grep '^chaos ' "$CHAOS_OUT" || true
  [[ -n "$CHAOS_EXTRA_LINE" ]] && echo "$CHAOS_EXTRA_LINE"
  if ((rc != 0 || CHAOS_EXTRA_FAILED)); then
    log "chaos: $name FAILED (chaos_load exit $rc); output, marks and logs in ${CHAOS_SCENARIO_DIR#"$ROOT"/}/"
    tail -n 15 "$LOG_DIR/chaos_load.log" >&2 2>/dev/null || true
    return 1
  fi
  return 0
}

# cmd_chaos SCENARIO|all [--short]
cmd_chaos() {
  local short=0 names=() arg failed=() name summary=()
  for arg in "$@"; do
    case "$arg" in
      --short) short=1 ;;
      all) names+=("${CHAOS_SCENARIOS[@]}") ;;
      -h | --help)
        echo "usage: ./dev chaos SCENARIO|all [--short]; scenarios: ${CHAOS_SCENARIOS[*]}"
        return 0
        ;;
      -*) die "chaos: unknown option $arg (./dev chaos --help)" ;;
      *)
        chaos_plan "$arg" 0 # validates the name
        names+=("$arg")
        ;;
    esac
  done
  ((${#names[@]})) || die "chaos: name a scenario (${CHAOS_SCENARIOS[*]}) or all"
  cmd_setup
  if [[ "${DEV_SKIP_BUILD:-0}" != 1 ]]; then
    cmd_build //services/gateway:gateway //services/worker:worker //tools/kafka_topics:kafka_topics \
      //tools/chaos:chaos_load //tools/chaos_poison:chaos_poison
  fi
  # Everything below lives in .local/chaos: its own pids, ports, logs, Kafka
  # and PostgreSQL, so ./dev up and ./dev test are never touched.
  LOCAL="$ROOT/.local/chaos"
  LOG_DIR="$LOCAL/logs"
  PID_DIR="$LOCAL/pids"
  PORT_DIR="$LOCAL/ports"
  KAFKA_DIR="$LOCAL/kafka"
  APPEND_LOGS=1
  ensure_local_dirs
  if compgen -G "$PID_DIR/*.pid" >/dev/null; then
    for arg in "$PID_DIR"/*.pid; do
      pidfile_alive "$(basename "$arg" .pid)" &&
        die "a chaos stack is already running (pids in ${PID_DIR#"$ROOT"/}); is another ./dev chaos running?"
    done
  fi
  CHAOS_RUN_DIR="$LOCAL/runs/$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$CHAOS_RUN_DIR"
  local started=$SECONDS
  for name in "${names[@]}"; do
    local lines verdict=ok
    lines="$(chaos_run "$name" "$short")" || verdict=fail
    [[ "$verdict" == ok ]] || failed+=("$name")
    CHAOS_RESULTS+=("chaos_$name=$verdict")
    printf '%s\n' "$lines"
    summary+=("$(grep "^chaos $name: acked=" <<<"$lines" || echo "chaos $name: no result line")")
  done
  # ./dev test reads one NAME=ok|fail word per scenario from here.
  [[ -z "${CHAOS_VERDICT_FILE:-}" ]] || echo "${CHAOS_RESULTS[*]}" >"$CHAOS_VERDICT_FILE"
  if ((${#names[@]} > 1)); then
    log "chaos: ${#names[@]} scenarios in $(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s"
    printf '%s\n' "${summary[@]}"
  fi
  ((${#failed[@]} == 0)) || die "chaos: failed: ${failed[*]} (details in ${CHAOS_RUN_DIR#"$ROOT"/}/)"
}
