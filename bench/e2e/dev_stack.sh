#!/usr/bin/env bash
# Not part of the product: a private stack for trying bench_e2e by hand —
# Apache Kafka (KRaft, one node), a PostgreSQL cluster and a gateway, all in
# .local/e2e-dev/ (own pids, ports, logs, data), so it never collides with
# `./dev up`, `./dev bench` or `./dev chaos`. Uses ./dev's own helpers.
#
#   bench/e2e/dev_stack.sh up     fresh Kafka data and database, then start;
#                                       writes .local/e2e-dev/endpoints.env
#   bench/e2e/dev_stack.sh gateway  restart the gateway (after a crash)
#   bench/e2e/dev_stack.sh down   stop what `up` started (by recorded pid)
#                                       and delete Kafka's and PostgreSQL's data
#                                       (gigabytes of benchmark records)
#
# endpoints.env has GATEWAY_ADDR KAFKA_BOOTSTRAP KAFKA_TOPIC PG_DSN API_KEY
# PROJECT_ID GATEWAY_PID KAFKA_PID PG_PID and WORKER_CMD, a bash array: a
# worker command line for bench_e2e's `--` ("${WORKER_CMD[@]}"). Needs bazel-bin/services/gateway/gateway,
# bazel-bin/services/worker/worker and bazel-bin/tools/kafka_topics/kafka_topics.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=deploy/local/common.sh
source "$ROOT/deploy/local/common.sh"
# shellcheck source=deploy/local/postgres.sh
source "$ROOT/deploy/local/postgres.sh"
# shellcheck source=deploy/local/kafka.sh
source "$ROOT/deploy/local/kafka.sh"

LOCAL="$ROOT/.local/e2e-dev"
LOG_DIR="$LOCAL/logs"
PID_DIR="$LOCAL/pids"
PORT_DIR="$LOCAL/ports"
KAFKA_DIR="$LOCAL/kafka"
ENDPOINTS="$LOCAL/endpoints.env"
PG_NAME=pg-e2e-dev # never "pg": its data directory may be shared through /var/tmp
BIN_DIR="$ROOT/bazel-bin"

bin_path() { echo "$BIN_DIR/$1"; }
need_bin() { [[ -x "$(bin_path "$1")" ]] || die "$(bin_path "$1") is missing; bazel build it first"; }

ensure_secrets() { # as ./dev's, in .local/e2e-dev/secrets
  local dir="$LOCAL/secrets"
  mkdir -p "$dir" && chmod 700 "$dir"
  API_KEYS_FILE="$dir/api_keys"
  SESSION_SECRET_FILE="$dir/session_secret"
  PROJECT_ID="demo-project"
  if [[ ! -s "$API_KEYS_FILE" ]]; then
    (umask 077 && printf '# project_id api_key\n%s %s\n' "$PROJECT_ID" \
      "sk_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$API_KEYS_FILE")
  fi
  if [[ ! -s "$SESSION_SECRET_FILE" ]]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SESSION_SECRET_FILE")
  fi
  API_KEY="$(awk -v p="$PROJECT_ID" '$1 == p {print $2; exit}' "$API_KEYS_FILE")"
}

start_gateway() { # as ./dev's start_gateway, with the benchmark's lifted token bucket
  local grpc_port metrics_port
  need_bin services/gateway/gateway
  ensure_secrets
  grpc_port="$(port_for gateway)"
  metrics_port="$(port_for gateway-metrics)"
  GATEWAY_ADDR="127.0.0.1:$grpc_port"
  rotate_log gateway
  start_bg gateway "--grpc_address=$GATEWAY_ADDR" "$LOG_DIR/gateway.log" \
    "$(bin_path services/gateway/gateway)" --grpc_address="$GATEWAY_ADDR" \
    --metrics_address="127.0.0.1:$metrics_port" --kafka_bootstrap="$KAFKA_BOOTSTRAP" \
    --topic="$KAFKA_TOPIC" --api_keys_file="$API_KEYS_FILE" \
    --session_secret_file="$SESSION_SECRET_FILE" \
    --project_rate_bytes_per_second=1e12 --project_burst_bytes=1e12
  wait_until 30 gateway gateway tcp_accepts "$GATEWAY_ADDR" ||
    die "the gateway did not accept connections on $GATEWAY_ADDR (${LOG_DIR#"$ROOT"/}/gateway.log)"
}

up() {
  ensure_local_dirs
  if pidfile_alive gateway || pidfile_alive kafka || pg_running "$PG_NAME"; then
    die "the e2e-dev stack is already running; run $0 down first"
  fi
  need_bin services/worker/worker
  trap 'down' ERR
  pg_start "$PG_NAME"
  pg_recreate_database "$PG_PORT"
  PG_DSN="$(pg_dsn "$PG_PORT")"
  kafka_wipe_data
  kafka_start_real
  start_gateway
  local pg_pid
  pg_pid="$(head -n 1 "$(pg_datadir "$PG_NAME")/postmaster.pid")"
  {
    echo "GATEWAY_ADDR='$GATEWAY_ADDR'"
    echo "KAFKA_BOOTSTRAP='$KAFKA_BOOTSTRAP'"
    echo "KAFKA_TOPIC='$KAFKA_TOPIC'"
    echo "PG_DSN='$PG_DSN'"
    echo "PROJECT_ID='$PROJECT_ID'"
    echo "API_KEY='$API_KEY'"
    echo "GATEWAY_PID='$(pidfile_pid gateway)'"
    echo "KAFKA_PID='$(pidfile_pid kafka)'"
    echo "PG_PID='$pg_pid'"
    printf 'WORKER_CMD=(%q %q %q %q %q)\n' "$(bin_path services/worker/worker)" \
      "--kafka_bootstrap=$KAFKA_BOOTSTRAP" "--topic=$KAFKA_TOPIC" "--pg_dsn=$PG_DSN" \
      --group_id=bench-e2e
  } >"$ENDPOINTS"
  trap - ERR
  log "e2e-dev stack up; . ${ENDPOINTS#"$ROOT"/}"
  cat "$ENDPOINTS"
}

restart_gateway() {
  [[ -f "$ENDPOINTS" ]] || die "the e2e-dev stack is not up"
  # shellcheck disable=SC1090
  source "$ENDPOINTS"
  stop_bg gateway
  start_gateway
  sed -i "s/^GATEWAY_PID=.*/GATEWAY_PID='$(pidfile_pid gateway)'/" "$ENDPOINTS"
  log "gateway restarted (pid $(pidfile_pid gateway))"
}

down() {
  stop_bg gateway
  kafka_stop
  pg_stop "$PG_NAME" || true
  rm -f "$ENDPOINTS"
  kafka_wipe_data
  if [[ -e "$LOCAL/$PG_NAME" ]]; then
    as_pg_owner find "$(pg_datadir "$PG_NAME")" -mindepth 1 -delete
  fi
}

case "${1:-}" in
  up) up ;;
  gateway) restart_gateway ;;
  down) down ;;
  *) die "usage: $0 up|gateway|down" ;;
esac
