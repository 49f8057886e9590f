# shellcheck shell=bash
# ./dev bench: the benchmarks (issues 3, 4 and 6; bench/README.md).
#
#   ./dev bench [--quick]           every suite, then results.json, REPORT.md
#                                   and PNG plots in bench/results/<UTC time>/
#   ./dev bench gateway [--quick]   gateway vs raw librdkafka (issue 3)
#   ./dev bench worker [--quick]    worker vs raw COPY (issue 4)
#   ./dev bench pipeline [--quick]  the blog's kafka-go producer path, message
#                                   size scaling, end-to-end, failover (issue 6)
#   ./dev bench retention [--quick] retention enforcement time at 1GB and 10GB,
#                                   the worker store's throughput during it
#                                   (issue 21; PostgreSQL only)
#
# Each suite starts a fresh stack of its own under .local/bench*/ (real
# Apache Kafka, real PostgreSQL where it needs one), started and stopped by
# pid on 127.0.0.1, and wipes the data afterwards. Sourced by ./dev.

BENCH_SUITES=(gateway worker pipeline retention)

# Deadlines of the benchmark binaries (gateway_bench plans about 3 minutes;
# --quick, 30 s).
BENCH_GATEWAY_SECONDS=720
BENCH_GATEWAY_QUICK_SECONDS=180

cmd_bench() { # [SUITE] [OPTION...]
  local suite="${1:-}"
  case "$suite" in
    gateway | worker | pipeline | retention)
      shift
      "bench_$suite" "$@"
      ;;
    "" | --*) bench_all "$@" ;;
    *) die "bench: unknown suite $suite (./dev bench [--quick] runs them all; suites: ${BENCH_SUITES[*]})" ;;
  esac
}

# bench_parse SUITE SERVICE ARG...: sets BENCH_QUICK, BENCH_EXTRA (flags for
# the suite's benchmark binary, --quick included) and BENCH_SERVICE_FLAGS
# (from --SERVICE-flag=--NAME=VALUE, for the service under test); --tls sets
# DEV_TLS (the gateway serves TLS, its clients get the throwaway CA).
bench_parse() {
  local suite="$1" prefix="--$2-flag=" arg
  shift 2
  BENCH_QUICK=0
  BENCH_EXTRA=()
  BENCH_SERVICE_FLAGS=()
  for arg in "$@"; do
    case "$arg" in
      --quick)
        BENCH_QUICK=1
        BENCH_EXTRA+=(--quick)
        ;;
      "$prefix"*) BENCH_SERVICE_FLAGS+=("${arg#"$prefix"}") ;;
      --tls) DEV_TLS=1 ;;
      --*=*) BENCH_EXTRA+=("$arg") ;; # passed to the benchmark binary (see its --help)
      *) die "bench $suite: unknown option $arg (see ./dev help)" ;;
    esac
  done
}

# bench_prepare DIR TARGET...: builds the targets (unless DEV_SKIP_BUILD=1),
# then points every .local path at .local/DIR, where the benchmark keeps its
# own stack, and arms the EXIT trap for it. Sets BENCH_RUN_DIR (results).
bench_prepare() {
  local dir="$1" target
  shift
  cmd_setup
  if [[ "${DEV_SKIP_BUILD:-0}" == 1 ]]; then
    log "DEV_SKIP_BUILD=1: using the binaries in ${BIN_DIR#"$ROOT"/}"
  else
    cmd_build "$@"
  fi
  for target in "$@"; do
    target="${target#//}"
    need_bin "${target/://}"
  done
  if stack_running; then
    warn "a stack of ./dev up is running (./dev status): it shares the CPUs, so the numbers will be low"
  fi
  # Everything below uses .local/DIR; the calling process ends after.
  LOCAL="$ROOT/.local/$dir"
  LOG_DIR="$LOCAL/logs"
  PID_DIR="$LOCAL/pids"
  PORT_DIR="$LOCAL/ports"
  KAFKA_DIR="$LOCAL/kafka"
  ENDPOINTS="$LOCAL/endpoints.env"
  if stack_running; then
    die "a benchmark stack is already running (pids in ${PID_DIR#"$ROOT"/}); is another ./dev bench running?"
  fi
  # ./dev bench (every suite) passes its run's directory down.
  BENCH_RUN_DIR="${BENCH_RESULTS_DIR:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$BENCH_RUN_DIR"
  ensure_local_dirs
  STOP_STACK_ON_EXIT=1
}

# bench_verdict RC SECONDS DEADLINE_VAR LOG: dies unless the benchmark binary
# (run under `timeout SECONDS`) exited 0.
bench_verdict() {
  local rc="$1" seconds="$2" deadline_var="$3" log_file="$4"
  ((rc != 124)) || die "the benchmark did not finish within ${seconds}s ($deadline_var in ./dev)"
  ((rc == 0)) || die "the benchmark failed (exit status $rc; output above; log: ${log_file#"$ROOT"/})"
}

# A fresh real Kafka and the gateway only: no worker and no PostgreSQL, which
# would compete for the CPUs and persist every benchmark record. The stack
# lives in .local/bench/ (its own pids, ports, logs, Kafka data and secrets),
# so it never touches a stack of `./dev up`, `./dev down` never touches it, and
# the EXIT trap stops exactly what this run started. Results go to
# bench/results/<UTC time>/ (gitignored).
bench_gateway() {
  bench_parse gateway gateway "$@"
  bench_prepare bench //services/gateway:gateway //tools/kafka_topics:kafka_topics \
    //bench/gateway:gateway_bench
  local run_dir="$BENCH_RUN_DIR" seconds="$BENCH_GATEWAY_SECONDS" rc=0
  ((BENCH_QUICK)) && seconds="$BENCH_GATEWAY_QUICK_SECONDS"
  log "starting a fresh Kafka and the gateway in .local/bench/ (no worker, no PostgreSQL)"
  bench_fresh_kafka
  bench_start_gateway
  local tls=()
  ((DEV_TLS)) && tls=(--tls_ca_file="$GATEWAY_TLS_CA_FILE")

  log "benchmark (deadline ${seconds}s${tls:+, over TLS}); results in ${run_dir#"$ROOT"/}/"
  INGEST_API_KEY="$API_KEY" timeout --kill-after=10 "$seconds" \
    "$(bin_path bench/gateway/gateway_bench)" \
    --gateway="$GATEWAY_ADDR" "${tls[@]}" --project="$PROJECT_ID" \
    --kafka_bootstrap="$KAFKA_BOOTSTRAP" --topic="$KAFKA_TOPIC" \
    --gateway_pid="$BENCH_GATEWAY_PID" --kafka_pid="$BENCH_KAFKA_PID" \
    --gateway_metrics_url="$GATEWAY_METRICS_URL" \
    --results_jsonl="$run_dir/gateway.jsonl" "${BENCH_EXTRA[@]}" | tee "$run_dir/gateway.txt" || rc=$?

  if ! pidfile_alive gateway; then
    show_log_tail "$LOG_DIR/gateway.log"
    ((rc == 0)) && rc=1
    log "the gateway died during the benchmark (log above)"
  fi
  stack_down
  STOP_STACK_ON_EXIT=0
  kafka_wipe_data # gigabytes of benchmark records
  bench_verdict "$rc" "$seconds" BENCH_GATEWAY_SECONDS "$LOG_DIR/gateway.log"
}

# Deadlines of the worker benchmark binary (--quick plans well under a minute).
BENCH_WORKER_SECONDS=2400
BENCH_WORKER_QUICK_SECONDS=150
BENCH_WORKER_PG=pg-bench # its own cluster: never .local/pg, even through /var/tmp

# A fresh real Kafka and a fresh PostgreSQL cluster, no gateway: worker_bench
# pre-fills a topic per phase, then starts and stops the worker itself (by
# pid, recorded in .local/bench-worker/pids/worker.pid). Like bench_gateway,
# everything lives in .local/bench-worker/ (pids, ports, logs, Kafka and
# PostgreSQL data), the EXIT trap stops exactly what this run started, and
# the data is wiped afterwards. Results go to bench/results/<UTC time>/.
bench_worker() {
  bench_parse worker worker "$@"
  bench_prepare bench-worker //services/worker:worker //tools/kafka_topics:kafka_topics \
    //bench/worker:worker_bench
  local run_dir="$BENCH_RUN_DIR" seconds="$BENCH_WORKER_SECONDS" metrics_port rc=0
  ((BENCH_QUICK)) && seconds="$BENCH_WORKER_QUICK_SECONDS"
  log "starting a fresh Kafka and PostgreSQL in .local/bench-worker/ (no gateway)"
  bench_fresh_kafka
  bench_fresh_pg "$BENCH_WORKER_PG"
  metrics_port="$(port_for worker-metrics)"
  rotate_log worker

  log "benchmark (deadline ${seconds}s); results in ${run_dir#"$ROOT"/}/"
  timeout --kill-after=10 "$seconds" "$(bin_path bench/worker/worker_bench)" \
    --kafka_bootstrap="$KAFKA_BOOTSTRAP" --pg_dsn="$PG_DSN" --kafka_pid="$BENCH_KAFKA_PID" \
    --worker_log="$LOG_DIR/worker.log" --worker_pidfile="$PID_DIR/worker.pid" \
    --disk_check_dir="$LOCAL" --results_jsonl="$run_dir/worker.jsonl" "${BENCH_EXTRA[@]}" -- \
    "$(bin_path services/worker/worker)" --metrics_address="127.0.0.1:$metrics_port" \
    --health_address="127.0.0.1:$(port_for worker-health)" \
    --kafka_bootstrap="$KAFKA_BOOTSTRAP" --pg_dsn="$PG_DSN" "${BENCH_SERVICE_FLAGS[@]}" |
    tee "$run_dir/worker.txt" || rc=$?

  stack_down # the worker too, should worker_bench have left it behind
  STOP_STACK_ON_EXIT=0
  bench_drop_pg "$BENCH_WORKER_PG"
  kafka_wipe_data # gigabytes of benchmark records
  bench_verdict "$rc" "$seconds" BENCH_WORKER_SECONDS "$LOG_DIR/worker.log"
}

# Deadlines of the retention benchmark binary: it fills 1 GB, 10 GB and, per
# worker run, 10 GB again (--quick: 100 MB, 1 GB, 1 GB).
BENCH_RETENTION_SECONDS=3600
BENCH_RETENTION_QUICK_SECONDS=900
BENCH_RETENTION_PG=pg-bench-retention # its own cluster

# A fresh PostgreSQL cluster only (no Kafka, no services): retention_bench
# fills days of expired data server-side, times EnforceRetention on them, and
# writes through the worker's own store while it runs (bench/retention/
# README.md). Everything lives in .local/bench-retention/; the EXIT trap stops
# the cluster, whose data is deleted afterwards. Results go to
# bench/results/<UTC time>/retention.{txt,jsonl}.
bench_retention() {
  bench_parse retention retention "$@"
  ((${#BENCH_SERVICE_FLAGS[@]} == 0)) ||
    die "bench retention: no service runs; its options go to retention_bench (--NAME=VALUE, see its --help)"
  bench_prepare bench-retention //bench/retention:retention_bench
  local run_dir="$BENCH_RUN_DIR" seconds="$BENCH_RETENTION_SECONDS" rc=0
  ((BENCH_QUICK)) && seconds="$BENCH_RETENTION_QUICK_SECONDS"
  log "starting a fresh PostgreSQL in .local/bench-retention/ (no Kafka, no services)"
  bench_fresh_pg "$BENCH_RETENTION_PG"

  log "benchmark (deadline ${seconds}s); results in ${run_dir#"$ROOT"/}/"
  timeout --kill-after=10 "$seconds" "$(bin_path bench/retention/retention_bench)" \
    --pg_dsn="$PG_DSN" --disk_check_dir="$(pg_datadir "$BENCH_RETENTION_PG")" \
    --results_jsonl="$run_dir/retention.jsonl" "${BENCH_EXTRA[@]}" |
    tee "$run_dir/retention.txt" || rc=$?

  stack_down
  STOP_STACK_ON_EXIT=0
  bench_drop_pg "$BENCH_RETENTION_PG" # gigabytes of expired days and the writer's rows
  bench_verdict "$rc" "$seconds" BENCH_RETENTION_SECONDS "$LOG_DIR/$BENCH_RETENTION_PG.log"
}

# ---------------------------------------------------------------------------
# ./dev bench [--quick]: every suite into one run directory, then the report.

# Debian's Python, where python3-matplotlib is installed (./dev setup).
BENCH_REPORT_PYTHON=/usr/bin/python3

bench_all() {
  local quick=() arg suite index=0 failed=() run_dir started=$SECONDS
  for arg in "$@"; do
    case "$arg" in
      --quick) quick=(--quick) ;;
      *) die "bench: unknown option $arg (./dev bench [--quick]; options of one suite: ./dev bench SUITE --NAME=VALUE)" ;;
    esac
  done
  cmd_setup
  if [[ "${DEV_SKIP_BUILD:-0}" != 1 ]]; then
    cmd_build //services/... //tools/... //bench/...
  fi
  run_dir="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$run_dir"
  bench_write_environment "$run_dir/environment.json" "${#quick[@]}"
  log "every benchmark suite (${BENCH_SUITES[*]}), each on a fresh stack; results in ${run_dir#"$ROOT"/}/"
  for suite in "${BENCH_SUITES[@]}"; do
    index=$((index + 1))
    log "suite $index/${#BENCH_SUITES[@]}: $suite (started $(((SECONDS - started) / 60)) min into the run)"
    if ! BENCH_RESULTS_DIR="$run_dir" DEV_SKIP_BUILD=1 "$ROOT/dev" bench "$suite" "${quick[@]}"; then
      failed+=("$suite")
      warn "suite $suite failed (output above); the others still run and the report marks what it did not measure"
    fi
  done
  log "report: results.json, REPORT.md and plots ($(((SECONDS - started) / 60)) min so far)"
  local check=()
  [[ "${BENCH_REPORT_CHECK:-0}" == 1 ]] && check=(--check) # ./dev test: well-formed or fail
  "$BENCH_REPORT_PYTHON" "$ROOT/bench/report/make_report.py" "$run_dir" --failed="${failed[*]}" \
    "${check[@]}" ||
    die "the report could not be made or is not well-formed (above); the suites' JSON is in ${run_dir#"$ROOT"/}/"
  log "done in $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s: ${run_dir#"$ROOT"/}/REPORT.md"
  ((${#failed[@]} == 0)) || die "suite(s) failed: ${failed[*]} (output above)"
}

# bench_write_environment FILE QUICK: what the report states about the
# run's software (the machine it reads itself).
bench_write_environment() {
  local commit postgres_version
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]] || commit+="-dirty"
  postgres_version="$("$(pg_bindir)/postgres" --version 2>/dev/null | awk '{ print $3 }')"
  "$BENCH_REPORT_PYTHON" - "$1" "$2" "$commit" "$KAFKA_VERSION" "$KAFKA_PARTITIONS" "$postgres_version" <<'PYEOF2'
import json, sys
path, quick, commit, kafka, partitions, postgres = sys.argv[1:]
with open(path, "w", encoding="utf-8") as f:
    json.dump({"quick": quick == "1", "commit": commit, "kafka_version": kafka,
               "kafka_partitions": int(partitions), "postgres_version": postgres}, f, indent=2)
PYEOF2
}

# bench_query NAME [ARG]: a number measured earlier in this run (see
# bench/report/query.py), or nothing when it was not measured.
bench_query() {
  "$BENCH_REPORT_PYTHON" "$ROOT/bench/report/query.py" "$BENCH_RUN_DIR" "$@"
}

# A fresh real Kafka (its data wiped first); sets BENCH_KAFKA_PID.
bench_fresh_kafka() {
  kafka_wipe_data
  kafka_start_real
  BENCH_KAFKA_PID="$(pidfile_pid kafka)" ||
    die "Kafka exited right after starting (${LOG_DIR#"$ROOT"/}/kafka.log)"
}

# Starts the gateway with the suite's --gateway-flag flags; sets
# BENCH_GATEWAY_PID (and, through start_gateway, GATEWAY_ADDR and
# GATEWAY_METRICS_URL). The per-project token bucket is policy, not cost: it is
# lifted so the run measures the gateway (the limiter's code still runs on
# every call).
bench_start_gateway() {
  start_gateway gateway --project_rate_bytes_per_second=1e12 --project_burst_bytes=1e12 \
    "${BENCH_SERVICE_FLAGS[@]}"
  BENCH_GATEWAY_PID="$(pidfile_pid gateway)" ||
    die "the gateway exited right after starting (${LOG_DIR#"$ROOT"/}/gateway.log)"
}

# A fresh PostgreSQL cluster NAME (initdb every run, fsync on); sets PG_DSN
# and BENCH_PG_PID (the postmaster) and arms the EXIT trap for it.
bench_fresh_pg() { # NAME
  local name="$1" dir
  if pg_running "$name"; then
    die "the benchmark's PostgreSQL ($name) is already running; is another ./dev bench running?"
  fi
  STOP_BENCH_PG_ON_EXIT="$name"
  dir="$(pg_datadir "$name")"
  as_pg_owner find "$dir" -mindepth 1 -delete
  pg_start "$name"
  PG_DSN="$(pg_dsn "$PG_PORT")"
  BENCH_PG_PID="$(as_pg_owner head -n 1 "$dir/postmaster.pid")"
}

# Stops the cluster started by bench_fresh_pg and deletes its data.
bench_drop_pg() { # NAME
  pg_stop "$1" || true
  STOP_BENCH_PG_ON_EXIT=""
  as_pg_owner find "$(pg_datadir "$1")" -mindepth 1 -delete
}

# ---------------------------------------------------------------------------
# ./dev bench pipeline: issue 6's benchmarks beyond one service — the blog's
# kafka-go producer path, message size scaling, end-to-end, failover.

BENCH_PIPELINE_PG=pg-bench-pipeline
BENCH_PIPELINE_SIZES=(10KB 100KB 1MB)
# Deadline of each step's binary.
BENCH_PIPELINE_STEP_SECONDS=1200
BENCH_PIPELINE_QUICK_STEP_SECONDS=120

# A fresh Kafka and PostgreSQL and one gateway in .local/bench-pipeline/;
# each step gets a topic of its own (the gateway is restarted onto it), so
# no step's worker inherits another step's records. The workers are started
# and stopped by bench/e2e itself, by pid.
bench_pipeline() {
  bench_parse pipeline gateway "$@"
  local extra
  for extra in "${BENCH_EXTRA[@]}"; do
    [[ "$extra" == --quick ]] || die "bench pipeline: unknown option $extra (it takes --quick and --gateway-flag=--NAME=VALUE)"
  done
  bench_prepare bench-pipeline //services/gateway:gateway //services/worker:worker \
    //tools/kafka_topics:kafka_topics //bench/gateway:task_pool_dump //bench/e2e:bench_e2e
  BENCH_GO_BASELINE="$LOCAL/bin/kafka-go-producer"
  log "building the kafka-go baseline (bench/baselines/kafka-go-producer)"
  bash "$ROOT/bench/baselines/kafka-go-producer/build.sh" "$BENCH_GO_BASELINE" ||
    die "could not build the kafka-go baseline (error above)"
  BENCH_STEP_SECONDS="$BENCH_PIPELINE_STEP_SECONDS"
  ((BENCH_QUICK)) && BENCH_STEP_SECONDS="$BENCH_PIPELINE_QUICK_STEP_SECONDS"

  log "starting a fresh Kafka, PostgreSQL and the gateway in .local/bench-pipeline/"
  bench_fresh_kafka
  bench_fresh_pg "$BENCH_PIPELINE_PG"

  local step failed=()
  for step in kafka-go sizes e2e failover; do
    log "pipeline step: $step"
    "bench_step_${step//-/_}" || {
      failed+=("$step")
      warn "step $step failed (output above; logs in ${LOG_DIR#"$ROOT"/}/)"
    }
  done

  stack_down
  STOP_STACK_ON_EXIT=0
  bench_drop_pg "$BENCH_PIPELINE_PG"
  kafka_wipe_data
  ((${#failed[@]} == 0)) || die "bench pipeline: step(s) failed: ${failed[*]}"
}

# bench_use_topic TOPIC: creates TOPIC (and TOPIC.dlq) and (re)starts the
# gateway producing to it. Sets BENCH_GATEWAY_PID.
bench_use_topic() { # TOPIC
  KAFKA_TOPIC="$1"
  create_topic "$KAFKA_BOOTSTRAP" || {
    show_log_tail "$LOG_DIR/kafka_topics.log" 10
    die "could not create topic $KAFKA_TOPIC (log above)"
  }
  stop_bg gateway
  bench_start_gateway
}

# bench_run_step NAME COMMAND...: runs one step's binary under the step
# deadline; its stdout lines go to the terminal and to pipeline.txt.
bench_run_step() {
  local name="$1" rc=0
  shift
  timeout --kill-after=10 "$BENCH_STEP_SECONDS" "$@" | tee -a "$BENCH_RUN_DIR/pipeline.txt" || rc=$?
  ((rc != 124)) || warn "$name did not finish within ${BENCH_STEP_SECONDS}s (BENCH_PIPELINE_STEP_SECONDS in deploy/local/bench.sh)"
  return "$rc"
}

# The blog's producer path: bench/baselines/kafka-go-producer sends the very
# records the raw librdkafka side of bench gateway sends (task_pool_dump), at
# the gateway's concurrency and, for latency, at the rate the gateway's
# latency phase used, when this run measured it.
bench_step_kafka_go() {
  local size pools=() lanes=() rates=() value pool_flags=()
  ((BENCH_QUICK)) && pool_flags=(--pool_bytes=4MB)
  KAFKA_TOPIC=bench.kafka-go
  create_topic "$KAFKA_BOOTSTRAP" || die "could not create topic $KAFKA_TOPIC"
  mkdir -p "$LOCAL/pools"
  for size in "${BENCH_PIPELINE_SIZES[@]}"; do
    "$(bin_path bench/gateway/task_pool_dump)" --size="$size" --out="$LOCAL/pools/$size.bin" \
      "${pool_flags[@]}" || return 1
    pools+=("$size=$LOCAL/pools/$size.bin")
    value="$(bench_query gateway_lanes "$size")"
    [[ -n "$value" ]] && lanes+=("$size=$value")
    value="$(bench_query gateway_latency_rate "$size")"
    [[ -n "$value" ]] && rates+=("$size=$value")
  done
  local joined_lanes joined_rates
  joined_lanes="$(IFS=,; echo "${lanes[*]}")"
  joined_rates="$(IFS=,; echo "${rates[*]}")"
  bench_run_step kafka-go "$BENCH_GO_BASELINE" --bootstrap="$KAFKA_BOOTSTRAP" --topic="$KAFKA_TOPIC" \
    --pools="$(IFS=,; echo "${pools[*]}")" ${joined_lanes:+--lanes="$joined_lanes"} \
    ${joined_rates:+--latency_rates="$joined_rates"} --kafka_pid="$BENCH_KAFKA_PID" --progress \
    --results="$BENCH_RUN_DIR/kafka_go.jsonl" "${BENCH_EXTRA[@]}"
}

# bench_e2e_step MODE TOPIC [FLAG...]: bench/e2e in MODE against the
# gateway, producing to TOPIC; its workers consume TOPIC.
bench_e2e_step() {
  local mode="$1" topic="$2"
  shift 2
  bench_use_topic "$topic"
  local tls=()
  ((DEV_TLS)) && tls=(--tls_ca_file="$GATEWAY_TLS_CA_FILE")
  INGEST_API_KEY="$API_KEY" bench_run_step "$mode" "$(bin_path bench/e2e/bench_e2e)" \
    --mode="$mode" --gateway="$GATEWAY_ADDR" "${tls[@]}" --project="$PROJECT_ID" \
    --kafka_bootstrap="$KAFKA_BOOTSTRAP" --topic="$topic" --pg_dsn="$PG_DSN" \
    --gateway_pid="$BENCH_GATEWAY_PID" --kafka_pid="$BENCH_KAFKA_PID" --pg_pid="$BENCH_PG_PID" \
    --log_dir="$LOG_DIR" --pid_dir="$PID_DIR" --results_jsonl="$BENCH_RUN_DIR/$mode.jsonl" \
    "${BENCH_EXTRA[@]}" "$@" -- \
    "$(bin_path services/worker/worker)" --kafka_bootstrap="$KAFKA_BOOTSTRAP" --topic="$topic" \
    --pg_dsn="$PG_DSN" --group_id="bench-$mode"
}

bench_step_sizes() { bench_e2e_step sizes bench.sizes; }

# End-to-end at 100 KB: needs the gateway's and the worker's maximum from
# this run (./dev bench runs their suites first); the worker suite's raw COPY
# rate at 100 KB, when measured, gives the ratio to it too.
bench_step_e2e() {
  local gateway_max worker_max raw_copy raw_copy_flag=()
  gateway_max="$(bench_query gateway_max 100KB)"
  worker_max="$(bench_query worker_max 100KB)"
  raw_copy="$(bench_query raw_copy_max 100KB)"
  [[ -n "$raw_copy" ]] && raw_copy_flag=(--raw_copy_msgs_per_s="$raw_copy")
  if [[ -z "$gateway_max" || -z "$worker_max" ]]; then
    warn "e2e needs the gateway's and the worker's maximum at 100KB from this run (./dev bench runs every suite); not measured"
    return 1
  fi
  bench_e2e_step e2e bench.e2e --size=100KB --gateway_max_msgs_per_s="$gateway_max" \
    --worker_max_msgs_per_s="$worker_max" "${raw_copy_flag[@]}"
}

# Failover under a third of the end-to-end sustained rate (or the tool's
# default when e2e was not measured).
bench_step_failover() {
  local sustained rate_flag=()
  sustained="$(bench_query e2e_sustained)"
  [[ -n "$sustained" ]] && rate_flag=(--rate="$(awk -v r="$sustained" 'BEGIN { printf "%d", r / 3 + 1 }')")
  bench_e2e_step failover bench.failover "${rate_flag[@]}"
}
