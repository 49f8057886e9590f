# shellcheck shell=bash
# ./dev chaos: fault scenarios on the real stack (issue 5).
#
# Each scenario starts its own stack under .local/chaos/ (real Apache Kafka in
# KRaft mode, one node or three with replication 3 and min.insync.replicas 2,
# a PostgreSQL cluster of its own, two gateways, two or three workers with
# static membership), runs tools/chaos/chaos_load (sessions on the C++ SDK, which
# retries with the same payload_id on the other gateway), injects the fault
# while the load runs, writes the fault's start and end to a marks file, and
# lets chaos_load drain, verify the ledger against PostgreSQL and print
#   chaos NAME: acked=… persisted=… lost=0 duplicates=0 out_of_order=0 gateway_errors=… recovery_s=… max_lag=… restarts=workers:0,gateways:0
# Meanwhile a supervisor restarts, like Kubernetes, any gateway or worker that
# exits on its own (after a backoff; counted in restarts=). Everything is
# started and stopped by pid on 127.0.0.1; the EXIT trap stops the
# scenario's stack even when it fails. Results and the logs of each scenario
# are kept in .local/chaos/runs/<UTC time>/NAME/ (NAME.K/ for --repeat).
#
# Sourced by ./dev (needs start_gateway, start_worker, kafka_*, pg_*).

CHAOS_SCENARIOS=(pg-lock pg-migration pg-down worker-kill worker-rolling broker-kill
  coordinator-kill kafka-down gateway-kill poison retention-enforce)
CHAOS_PG=pg-chaos
CHAOS_GATEWAYS=(gateway-1 gateway-2)
# Workers: static members (group.instance.id = their name) with a short
# session timeout, so a killed worker's partitions move on within seconds.
CHAOS_WORKER_FLAGS=(--session_timeout=10s --heartbeat_interval=1s --retry_max_backoff=5s)
# kafka-down's workers leave the group after this long without a poll, so an
# outage can be made longer than it (--outage); above their --shutdown_grace
# (20 s), which a revocation may take.
CHAOS_KAFKA_DOWN_MAX_POLL_INTERVAL=30s
CHAOS_KAFKA_DOWN_SECONDS=30
CHAOS_OUTAGE_SECONDS="" # ./dev chaos --outage=DURATION (kafka-down), in seconds
# How long a gateway waits for Kafka's acknowledgement: a call to a dead
# Kafka returns after this, so kafka-down checks that no call returns OK
# only in an outage long enough for calls to return inside it.
CHAOS_GATEWAY_DELIVERY_SECONDS=8
# The supervisor: how often it looks, and the cap of its restart backoff
# (1 s, doubling per restart of the same process).
CHAOS_SUPERVISE_POLL_SECONDS=0.5
CHAOS_RESTART_BACKOFF_MAX_SECONDS=10
CHAOS_SUPERVISOR_PID=""
CHAOS_LOAD_SESSIONS=12
CHAOS_DEADLINE_SLACK_SECONDS=420 # drain + verification after the load
STOP_CHAOS_ON_EXIT=0
CHAOS_RESULTS=() # chaos_NAME=ok|fail per scenario run, for ./dev test

# chaos_plan NAME SHORT: sets the scenario's shape. SHORT=1 is the ./dev test
# form (15 s faults; kafka-down's outage is --outage when given).
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
    broker-kill | coordinator-kill) CHAOS_BROKERS=3 CHAOS_FAULT_SECONDS=0 ;;
    kafka-down)
      CHAOS_BROKERS=3 CHAOS_FAULT_SECONDS="$CHAOS_KAFKA_DOWN_SECONDS"
      CHAOS_LOAD_FLAGS=(--expect_no_ok_during_fault)
      CHAOS_EXTRA_WORKER_FLAGS=(--max_poll_interval="$CHAOS_KAFKA_DOWN_MAX_POLL_INTERVAL")
      ;;
    gateway-kill)
      # Short sessions: a session whose client failed over to gateway-2 stays
      # there, so the second kill needs new sessions (half start on gateway-1)
      # to bring streams back to gateway-1 soon after the first.
      CHAOS_LOAD_FLAGS=(--stream_every=4 --stream_bytes=8388608 --payloads_per_session=40)
      CHAOS_FAULT_SECONDS=0
      ;;
    poison) CHAOS_FAULT_SECONDS=0 ;;
    retention-enforce) CHAOS_LOAD_FLAGS=(--expect_gateway_unaffected) CHAOS_FAULT_SECONDS=0 ;;
    *) die "chaos: unknown scenario $name (scenarios: ${CHAOS_SCENARIOS[*]} all)" ;;
  esac
  if ((short)); then
    CHAOS_WARMUP_SECONDS=15
    CHAOS_TAIL_SECONDS=20
    ((CHAOS_FAULT_SECONDS > 15)) && CHAOS_FAULT_SECONDS=15
  fi
  if [[ "$name" == kafka-down && -n "$CHAOS_OUTAGE_SECONDS" ]]; then
    CHAOS_FAULT_SECONDS="$CHAOS_OUTAGE_SECONDS"
  fi
  if [[ "$name" == kafka-down ]] && ((CHAOS_FAULT_SECONDS < CHAOS_GATEWAY_DELIVERY_SECONDS + 2)); then
    CHAOS_LOAD_FLAGS=() # see chaos_run's note
  fi
  return 0
}

# chaos_parse_outage VALUE: --outage's DURATION (45s, 2m or 45) in seconds.
chaos_parse_outage() {
  local value="$1" seconds
  case "$value" in
    *m) seconds="${value%m}" ;;
    *s) seconds="${value%s}" ;;
    *) seconds="$value" ;;
  esac
  [[ "$seconds" =~ ^[0-9]+$ ]] ||
    die "chaos: --outage=$value: expected a duration such as 5s, 40s or 2m"
  [[ "$value" == *m ]] && seconds=$((seconds * 60))
  ((seconds >= 3 && seconds <= 600)) ||
    die "chaos: --outage=$value: must be from 3s (the no-OK check skips a window's first 2 s) to 10m"
  echo "$seconds"
}

# How long the load runs: warm-up, the fault (scenarios whose fault has no
# fixed length get an estimate; the load only needs to outlast it), tail.
chaos_load_seconds() { # NAME
  local fault="$CHAOS_FAULT_SECONDS"
  case "$1" in
    pg-migration | gateway-kill | poison | retention-enforce) fault=30 ;;
    worker-rolling) fault=$((CHAOS_WORKERS * 25)) ;;
    broker-kill | coordinator-kill) fault=150 ;;
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
  start_gateway "$1" --delivery_timeout="${CHAOS_GATEWAY_DELIVERY_SECONDS}s"
}

# ---------------------------------------------------------------------------
# The supervisor: like Kubernetes for the scenario's gateways and workers
# (Kafka and PostgreSQL are not supervised: the faults stop them on purpose).
# A process whose pid file is still there but which has exited, on two looks
# a poll apart, is started again with the flags of its kind (chaos_worker_start
# N, chaos_gateway_start NAME; a one-off flag such as --crash_after_db_commits
# is not repeated) after a backoff of 1 s doubling per restart of that process
# up to 10 s. Each restart is logged and written to $CHAOS_RESTARTS, so a
# crash costs time, not the verdict, and shows in restarts=.
#
# A deliberate stop is never restarted: chaos_kill removes the pid file before
# the signal, chaos_stop and an exit the scenario awaits itself are marked with
# chaos_expect_exit, and chaos_stack_down stops the supervisor first.

chaos_expect_exit() { : >"$CHAOS_SUPERVISOR_DIR/$1.expected"; } # NAME
chaos_unexpect_exit() { rm -f "$CHAOS_SUPERVISOR_DIR/$1.expected"; } # NAME

chaos_stop() { # NAME SECONDS: SIGTERM (stop_bg) without the supervisor restarting it
  chaos_expect_exit "$1"
  stop_bg "$1" "$2"
  chaos_unexpect_exit "$1"
}

chaos_service_start() { # NAME: starts NAME as the scenario started it
  case "$1" in
    worker-*) chaos_worker_start "${1#worker-}" ;;
    gateway-*) chaos_gateway_start "$1" ;;
    *) die "chaos: the supervisor does not know how to start $1" ;;
  esac
}

# The last line of NAME's log, shortened: what it said before it exited (the
# supervisor is not its parent, so it cannot read its exit status).
chaos_last_log_line() { # NAME
  local line
  line="$(tail -n 1 "$LOG_DIR/$1.log" 2>/dev/null)" || true
  ((${#line} <= 240)) || line="${line:0:240}…"
  echo "${line:-(empty log)}"
}

# The supervisor's loop (in the background; chaos_supervisor_start). Restarts
# run in children of their own so one that waits for readiness (a worker
# cannot be ready while Kafka is down) holds up no other.
chaos_supervise() {
  local file name pid_line count delay child status
  local -A restarts=() dead=() due=() starting=()
  trap 'for child in "${starting[@]}"; do kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; done; exit 0' TERM
  while true; do
    for name in "${!starting[@]}"; do # restarts that finished
      child="${starting[$name]}"
      pid_alive "$child" && continue
      status=0
      wait "$child" 2>/dev/null || status=$?
      unset "starting[$name]"
      if ((status == 0)); then
        log "chaos: $name is back (pid $(pidfile_pid "$name" || echo gone))"
      else
        log "chaos: $name restarted but not ready yet (${LOG_DIR#"$ROOT"/}/supervisor.log); still watching it"
      fi
    done
    for file in "$PID_DIR"/gateway-*.pid "$PID_DIR"/worker-*.pid; do
      [[ -f "$file" ]] || continue
      name="$(basename "$file" .pid)"
      [[ -z "${starting[$name]:-}" ]] || continue
      pid_line="$(head -n 1 "$file" 2>/dev/null)" || continue
      if pidfile_alive "$name" || [[ -f "$CHAOS_SUPERVISOR_DIR/$name.expected" ]]; then
        unset "dead[$name]" "due[$name]"
        continue
      fi
      if [[ -n "${due[$name]:-}" ]]; then # the backoff is running
        ((SECONDS >= ${due[$name]%% *})) || continue
        [[ "${due[$name]#* }" == "$pid_line" ]] || { unset "due[$name]"; continue; }
        unset "due[$name]"
        echo "$(date +%s) $name" >>"$CHAOS_RESTARTS"
        rm -f "$file"
        (chaos_service_start "$name") </dev/null >>"$LOG_DIR/supervisor.log" 2>&1 &
        starting[$name]=$!
        continue
      fi
      if [[ "${dead[$name]:-}" != "$pid_line" ]]; then # first look: maybe a stop in progress
        dead[$name]="$pid_line"
        continue
      fi
      unset "dead[$name]"
      count=$((${restarts[$name]:-0} + 1))
      restarts[$name]=$count
      delay=1
      while ((delay < CHAOS_RESTART_BACKOFF_MAX_SECONDS && count > 1)); do
        delay=$((delay * 2))
        count=$((count - 1))
      done
      ((delay <= CHAOS_RESTART_BACKOFF_MAX_SECONDS)) || delay="$CHAOS_RESTART_BACKOFF_MAX_SECONDS"
      due[$name]="$((SECONDS + delay)) $pid_line"
      log "chaos: $name exited (pid $pid_line; its last log line: $(chaos_last_log_line "$name")); restarting in ${delay}s (restart ${restarts[$name]})"
    done
    sleep "$CHAOS_SUPERVISE_POLL_SECONDS"
  done
}

chaos_supervisor_start() {
  mkdir -p "$CHAOS_SUPERVISOR_DIR"
  rm -f "$CHAOS_SUPERVISOR_DIR"/*.expected
  : >>"$CHAOS_RESTARTS"
  chaos_supervise </dev/null >&2 &
  CHAOS_SUPERVISOR_PID=$!
}

# Stops the supervisor (and any restart it has under way) by its pid.
chaos_supervisor_stop() {
  [[ -n "$CHAOS_SUPERVISOR_PID" ]] || return 0
  kill -TERM "$CHAOS_SUPERVISOR_PID" 2>/dev/null || true
  wait "$CHAOS_SUPERVISOR_PID" 2>/dev/null || true
  CHAOS_SUPERVISOR_PID=""
}

# restarts=workers:N,gateways:N: the supervisor's restarts in this scenario.
chaos_restarts_field() {
  local workers gateways
  workers="$(grep -c ' worker-' "$CHAOS_RESTARTS" 2>/dev/null)" || true
  gateways="$(grep -c ' gateway-' "$CHAOS_RESTARTS" 2>/dev/null)" || true
  echo "restarts=workers:${workers:-0},gateways:${gateways:-0}"
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
  chaos_supervisor_start
  log "chaos: stack up: $CHAOS_BROKERS broker(s) at $KAFKA_BOOTSTRAP, $CHAOS_WORKERS workers, gateways $CHAOS_GATEWAY_ADDRS (supervised)"
}

# Stops everything a scenario started: the supervisor first (so it restarts
# nothing), the load generator, services, Kafka, PostgreSQL (each by its
# recorded pid).
chaos_stack_down() {
  local file name
  chaos_supervisor_stop
  stop_bg chaos_load 10
  stop_bg chaos_poison 10
  stop_bg broker_proxy 30 # retention-enforce's
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

# An expired day to drop: partitions of the day before yesterday (created
# the way the worker creates them: a plain table, then attached) holding
# sessions of a project whose retention has passed, 100 KiB payloads, 2 GiB
# (200 MiB in the short form).
prepare_retention_enforce() {
  local rows=20000 started=$SECONDS day next suffix table
  ((CHAOS_SHORT)) && rows=2000
  day="$(date -u -d '2 days ago' +%F)"
  next="$(date -u -d '1 day ago' +%F)"
  suffix="${day//-/}"
  CHAOS_EXPIRED_PARTITION="session_payloads_p$suffix"
  for table in session_payloads payload_facts; do
    chaos_psql "CREATE TABLE ${table}_p$suffix (LIKE $table INCLUDING DEFAULTS INCLUDING STORAGE);
      ALTER TABLE $table ATTACH PARTITION ${table}_p$suffix FOR VALUES FROM ('$day') TO ('$next')" \
      >/dev/null || die "retention-enforce: could not create the expired partitions of $day"
  done
  chaos_psql "INSERT INTO sessions (session_id, project_id, expire_day, created_at)
      SELECT 'expired-' || s, 'chaos-expired', '$day', now() - interval '3 days'
      FROM generate_series(0, $rows / 20 - 1) AS s;
    INSERT INTO session_payloads (session_id, payload_id, content_encoding, raw_size, data,
        received_at, kafka_partition, kafka_offset, expire_day)
      SELECT 'expired-' || (g / 20), g % 20 + 1, 1, 102400,
        convert_to(repeat(md5(g::text), 3200), 'UTF8'), now() - interval '3 days', -1, -1, '$day'
      FROM generate_series(0, $rows - 1) AS g;
    INSERT INTO payload_facts (session_id, payload_id, parsed, facts, expire_day)
      SELECT 'expired-' || (g / 20), g % 20 + 1, true, '', '$day'
      FROM generate_series(0, $rows - 1) AS g" >/dev/null ||
    die "retention-enforce: could not write the expired day"
  log "chaos: retention-enforce: $rows expired payloads ($((rows / 10)) MiB) in $CHAOS_EXPIRED_PARTITION, written in $((SECONDS - started))s"
  pidfile_alive broker_proxy || start_broker_proxy "$KAFKA_BOOTSTRAP"
}

# `ingestctl retention enforce` through broker-proxy while the load runs:
# the expired day's partitions are dropped (under broker-proxy's lock
# timeout), the expired sessions' rows deleted in batches. Checks that
# everything expired went, and only that (chaos_load checks the rest).
fault_retention_enforce() {
  local out="$CHAOS_SCENARIO_DIR/retention_enforce.out" left
  chaos_mark fault_start
  ingestctl --timeout=10m retention enforce >"$out" 2>&1 ||
    die "retention-enforce: ingestctl retention enforce failed: $(tail -n 3 "$out")"
  chaos_mark fault_end
  log "chaos: retention-enforce: $(grep -i -m 3 'dropped\|sessions' "$out" | tr '\n' ' ')"
  left="$(chaos_psql "SELECT (SELECT count(*) FROM sessions WHERE project_id = 'chaos-expired')
    || ' ' || (to_regclass('$CHAOS_EXPIRED_PARTITION') IS NULL)")"
  if [[ "$left" != "0 true" ]]; then
    CHAOS_EXTRA_FAILED=1
    CHAOS_EXTRA_LINE="chaos retention-enforce: expired data left behind (expired sessions, partition gone: $left)"
  else
    CHAOS_EXTRA_LINE="chaos retention-enforce: expired day dropped, expired sessions deleted"
  fi
}

fault_pg_down() {
  chaos_mark fault_start
  pg_stop "$CHAOS_PG" || die "pg-down: could not stop PostgreSQL"
  chaos_sleep "$CHAOS_FAULT_SECONDS"
  pg_start "$CHAOS_PG"
  chaos_mark fault_end
}

# NAME: SIGKILL a recorded process and wait until it is gone. The pid file
# goes first, so the supervisor never takes the kill for a crash.
chaos_kill() {
  local pid
  pid="$(pidfile_pid "$1")" || die "chaos: $1 is not running"
  rm -f "$PID_DIR/$1.pid"
  kill -KILL "$pid"
  while pid_alive "$pid"; do sleep 0.05; done
  wait "$pid" 2>/dev/null || true
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
      chaos_unexpect_exit worker-1
      continue
    fi
    chaos_sleep $((gap / 2 + RANDOM % (gap / 2 + 1)))
    n=$((1 + RANDOM % CHAOS_WORKERS))
    ((kill == 1)) && n=1
    chaos_kill "worker-$n"
    sleep 1
    if ((kill == 1)); then
      chaos_expect_exit worker-1 # its own crash: awaited below, not the supervisor's
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
    chaos_stop "worker-$n" 30
    chaos_worker_start "$n"
    chaos_sleep 5
    for ((other = 1; other <= CHAOS_WORKERS; other++)); do
      ((other == n)) && continue
      revoked=$((revoked + $(worker_rebalanced "worker-$other" revoked) - before[$other.revoked]))
      assigned=$((assigned + $(worker_rebalanced "worker-$other" assigned) - before[$other.assigned]))
    done
  done
  chaos_mark fault_end
  CHAOS_EXTRA_LINE="chaos worker-rolling: rolled=$CHAOS_WORKERS partitions_revoked_from_others=$revoked partitions_moved_to_others=$assigned"
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

# One round of a broker fault: SIGKILL broker NODE (chosen because WHY),
# restart it 10 s later, wait until every partition is fully replicated again.
chaos_kill_broker_round() { # SCENARIO NODE WHY ROUND
  local scenario="$1" node="$2" why="$3" round="$4"
  chaos_mark fault_start
  chaos_kill "$(kafka_node_name "$node")"
  log "chaos: killed broker $node, $why (round $round)"
  chaos_sleep 10
  kafka_restart_node "$node"
  wait_until 120 "all partitions back in sync" - topic_fully_replicated ||
    die "$scenario: partitions not fully replicated 120s after broker $node restarted"
  chaos_mark fault_end
  ((round < 3)) && chaos_sleep 5
  return 0
}

fault_broker_kill() {
  local round leader
  for round in 1 2 3; do
    leader="$(busiest_leader)"
    [[ -n "$leader" ]] || die "broker-kill: no partition leader found (kafka_topics --describe)"
    chaos_kill_broker_round broker-kill "$leader" "leader of the most partitions" "$round"
  done
  return 0
}

kafka_group_coordinator() { # GROUP: the node id of the broker coordinating GROUP
  timeout 20 "$(bin_path tools/kafka_topics/kafka_topics)" --bootstrap="$KAFKA_BOOTSTRAP" \
    --coordinator_of="$1" --timeout=10s 2>>"$LOG_DIR/kafka_topics.log"
}

# SIGKILL the broker that coordinates the workers' consumer group (found with
# the admin API), restart it 10 s later; 3 times.
# The group's members must find the new coordinator and keep their
# partitions (static members, no rebalance needed).
fault_coordinator_kill() {
  local round node
  for round in 1 2 3; do
    node="$(kafka_group_coordinator ingest-workers)" ||
      die "coordinator-kill: no coordinator found for group ingest-workers (${LOG_DIR#"$ROOT"/}/kafka_topics.log)"
    [[ "$node" =~ ^[0-9]+$ ]] || die "coordinator-kill: kafka_topics --coordinator_of printed '$node', not a node id"
    chaos_kill_broker_round coordinator-kill "$node" "coordinator of group ingest-workers" "$round"
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

# chaos_run NAME SHORT [DIR_NAME]: one scenario, start to end, its files in
# $CHAOS_RUN_DIR/DIR_NAME (default NAME). Prints its lines on stdout, the
# summary line ending in the supervisor's restarts=; returns non-zero if it
# failed.
chaos_run() {
  local name="$1" short="$2" dir_name="${3:-$1}" load_seconds deadline rc=0 pid restarts
  # Runs in a subshell of its own (a failing scenario must not end the
  # others), which does not inherit ./dev's traps: stop the stack here.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap '((STOP_CHAOS_ON_EXIT)) && chaos_stack_down' EXIT
  chaos_plan "$name" "$short"
  CHAOS_SCENARIO_DIR="$CHAOS_RUN_DIR/$dir_name"
  mkdir -p "$CHAOS_SCENARIO_DIR"
  CHAOS_MARKS="$CHAOS_SCENARIO_DIR/marks"
  CHAOS_RESTARTS="$CHAOS_SCENARIO_DIR/restarts" # "<unix time> NAME" per supervisor restart
  CHAOS_SUPERVISOR_DIR="$LOCAL/supervisor"
  CHAOS_OUT="$CHAOS_SCENARIO_DIR/chaos_load.out"
  CHAOS_EXTRA_LINE=""
  CHAOS_EXTRA_FAILED=0
  : >"$CHAOS_MARKS"
  : >"$CHAOS_RESTARTS"
  rm -f "$LOG_DIR"/*.log "$LOG_DIR"/*.log.prev # this scenario's logs only
  log "chaos: --- $name$( ((short)) && echo " (short)")$([[ "$name" == kafka-down ]] && echo ", outage ${CHAOS_FAULT_SECONDS}s") ---"
  if [[ "$name" == kafka-down && " ${CHAOS_LOAD_FLAGS[*]} " != *" --expect_no_ok_during_fault "* ]]; then
    log "chaos: kafka-down: a ${CHAOS_FAULT_SECONDS}s outage ends before a call to the dead Kafka can return (${CHAOS_GATEWAY_DELIVERY_SECONDS}s delivery timeout + 2s): no-OK-during-the-fault not checked"
  fi
  chaos_stack_up

  CHAOS_SHORT="$short"
  if declare -F "prepare_${name//-/_}" >/dev/null; then "prepare_${name//-/_}"; fi
  load_seconds="$(chaos_load_seconds "$name")"
  local tls=()
  ((DEV_TLS)) && tls=(--tls_ca_file="$GATEWAY_TLS_CA_FILE")
  start_bg chaos_load "--marks_file=$CHAOS_MARKS" "$CHAOS_OUT" \
    "$(bin_path tools/chaos/chaos_load)" --name="$name" --gateways="$CHAOS_GATEWAY_ADDRS" "${tls[@]}" \
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
  restarts="$(chaos_restarts_field)"
  [[ -s "$CHAOS_RESTARTS" ]] &&
    log "chaos: $name: the supervisor restarted $(awk '{print $2}' "$CHAOS_RESTARTS" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}') (${CHAOS_RESTARTS#"$ROOT"/})"
  # The supervisor's restarts end chaos_load's summary line.
  sed "/^chaos $name: acked=/ s/\$/ $restarts/" "$CHAOS_OUT" | grep '^chaos ' || true
  [[ -n "$CHAOS_EXTRA_LINE" ]] && echo "$CHAOS_EXTRA_LINE"
  if ((rc != 0 || CHAOS_EXTRA_FAILED)); then
    log "chaos: $name FAILED (chaos_load exit $rc); output, marks and logs in ${CHAOS_SCENARIO_DIR#"$ROOT"/}/"
    tail -n 15 "$LOG_DIR/chaos_load.log" >&2 2>/dev/null || true
    return 1
  fi
  return 0
}

# cmd_chaos SCENARIO...|all [--short] [--outage=DURATION] [--repeat=N] [--tls]
cmd_chaos() {
  local short=0 repeat=1 names=() arg failed=() name summary=() totals=() run runs=0 passed=0
  for arg in "$@"; do
    case "$arg" in
      --short) short=1 ;;
      --tls) DEV_TLS=1 ;;
      --outage=*) CHAOS_OUTAGE_SECONDS="$(chaos_parse_outage "${arg#--outage=}")" || exit 1 ;;
      --repeat=*)
        repeat="${arg#--repeat=}"
        [[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "chaos: --repeat=$repeat: expected a number of runs >= 1"
        ;;
      all) names+=("${CHAOS_SCENARIOS[@]}") ;;
      -h | --help)
        echo "usage: ./dev chaos SCENARIO...|all [--short] [--outage=DURATION] [--repeat=N] [--tls]"
        echo "  scenarios: ${CHAOS_SCENARIOS[*]}"
        echo "  --short: 15 s faults (kafka-down: unless --outage is given)"
        echo "  --outage=DURATION: kafka-down's outage (default ${CHAOS_KAFKA_DOWN_SECONDS}s), e.g. 5s (< the"
        echo "    workers' 10 s session timeout) or 40s (> their ${CHAOS_KAFKA_DOWN_MAX_POLL_INTERVAL} max poll interval)"
        echo "  --repeat=N: each scenario N times, each on a fresh stack; its lines, then a total"
        echo "  --tls: the gateways serve TLS (throwaway CA in .local/tls); chaos_load trusts the CA"
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
  if [[ -n "$CHAOS_OUTAGE_SECONDS" && " ${names[*]} " != *" kafka-down "* ]]; then
    die "chaos: --outage sets kafka-down's outage; name kafka-down (or all)"
  fi
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
    local name_passed=0
    for ((run = 1; run <= repeat; run++)); do
      local lines verdict=ok dir_name="$name" label="$name"
      if ((repeat > 1)); then
        dir_name="$name.$run"
        label="$name.$run"
        log "chaos: $name run $run of $repeat (${CHAOS_RUN_DIR#"$ROOT"/}/$dir_name/)"
      fi
      lines="$(chaos_run "$name" "$short" "$dir_name")" || verdict=fail
      runs=$((runs + 1))
      if [[ "$verdict" == ok ]]; then
        passed=$((passed + 1))
        name_passed=$((name_passed + 1))
      else
        failed+=("$label")
      fi
      CHAOS_RESULTS+=("chaos_$label=$verdict")
      printf '%s\n' "$lines"
      summary+=("$(grep "^chaos $name: acked=" <<<"$lines" || echo "chaos $name: no result line")")
    done
    ((repeat == 1)) ||
      totals+=("chaos $name: $repeat runs, $name_passed passed, $((repeat - name_passed)) failed (${CHAOS_RUN_DIR#"$ROOT"/}/$name.*/)")
  done
  # ./dev test reads one NAME=ok|fail word per scenario run from here.
  [[ -z "${CHAOS_VERDICT_FILE:-}" ]] || echo "${CHAOS_RESULTS[*]}" >"$CHAOS_VERDICT_FILE"
  if ((runs > 1)); then
    log "chaos: $runs runs in $(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s, $passed passed, $((runs - passed)) failed"
    printf '%s\n' "${summary[@]}" "${totals[@]}"
  fi
  ((${#failed[@]} == 0)) || die "chaos: failed: ${failed[*]} (details in ${CHAOS_RUN_DIR#"$ROOT"/}/)"
}
