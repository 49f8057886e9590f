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
#   lag_worker_stopped  with the worker stopped, the lag ingestctl shows is
#                       exactly what the gateway acknowledged meanwhile (the
#                       payloads and each session's initialization), and the
#                       group is Empty
#
# Usage: tests/broker_proxy/real_kafka.sh
# Starts its own stack (`./dev up --fresh --no-build`, real Kafka) and stops
# it on exit; refuses to run while another stack is up. The last line is the
# verdict, e.g. "broker_proxy: ensure_describe=ok unsafe_refused=ok ...";
# the exit status is non-zero unless every check is ok.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CHECKS=(ensure_describe unsafe_refused unauthenticated lag_worker_stopped)
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

# --- lag_worker_stopped ---------------------------------------------------
check_lag_worker_stopped() {
  local pid acked lag
  pid="$(head -n 1 .local/pids/worker.pid)"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
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

for check in "${CHECKS[@]}"; do
  if "check_$check"; then VERDICT[$check]=ok; else say "$check failed"; fi
done
