#!/usr/bin/env bash
# tests/clients/run.sh — the gateway against real, unmodified clients:
#
#   grpcurl  (server reflection, health, auth and validation statuses)
#   ghz      (a short bounded load via reflection; every call OK; all rows in
#             PostgreSQL)
#   Python   the SDK (client/python, installed with pip; its stubs are
#             generated from proto/ when it is built): its unit tests against
#             an in-process fake gateway, then sdk_gateway_test.py (pytest)
#             against this gateway: every RPC, a 5 MiB stream (4 MiB on the
#             mock cluster), statuses, what PostgreSQL stored, byte for byte
#
# Usage: tests/clients/run.sh [--build]
#
# Uses the stack described by .local/endpoints.env when its gateway answers;
# otherwise starts one with `./dev up --kafka=mock --fresh --no-build` (with
# --build: without --no-build) and stops it with `./dev down` on exit. A stack
# that was already running is left running.
#
# The tools are installed once, quietly, into
# ${XDG_CACHE_HOME:-~/.cache}/session-ingest/clients (Go module proxy, PyPI);
# the SDK is built from a copy of client/python and reinstalled into that
# venv only when its sources or proto/ingest/v1/ingest.proto changed; nothing
# is written inside the repository except what ./dev writes in .local/.
#
# The last line is the verdict, e.g. "clients: grpcurl=ok ghz=ok python=ok";
# the exit status is non-zero unless all three are ok.
#
# Environment: GHZ_TOTAL (2000), GHZ_CONCURRENCY (20), PG_WAIT_SECONDS (60);
# for the Python test STREAM_BYTES (5 MiB; 4 MiB on the mock cluster) and
# GATEWAY_STREAM_CHUNK_BYTES (the gateway's --stream_chunk_bytes, 1 MiB).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/clients"
cd "$ROOT"

# GRPCURL_*, GHZ_* and install_go_tool.
# shellcheck source=tests/lib/go_tools.sh
source "$ROOT/tests/lib/go_tools.sh"
# grpcio-tools and setuptools build the SDK (pip --no-build-isolation: no
# PyPI round trip per build); pytest runs its tests.
PY_REQUIREMENTS=(grpcio==1.85.1 grpcio-tools==1.85.1 protobuf==7.36.2 setuptools==84.2.1 pytest==9.2.0)

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest/clients"
GHZ_TOTAL="${GHZ_TOTAL:-2000}"
GHZ_CONCURRENCY="${GHZ_CONCURRENCY:-20}"
PG_WAIT_SECONDS="${PG_WAIT_SECONDS:-60}"
HEALTH_WAIT_SECONDS=30

BUILD=0
for arg in "$@"; do
  case "$arg" in
    --build) BUILD=1 ;;
    -h | --help)
      sed -n '2,27p' "$HERE/run.sh" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "clients: unknown option $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf '[clients] %s\n' "$*" >&2; }
# Inside a step (a subshell): report and end the step as failed.
fail() {
  printf '[clients] FAIL: %s\n' "$*" >&2
  exit 1
}

declare -A RESULT=([grpcurl]=not-run [ghz]=not-run [python]=not-run)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/session-ingest-clients.XXXXXX")"
STARTED_STACK=0
CLEANED=0
SUMMARY_PRINTED=0

cleanup() {
  ((CLEANED)) && return 0
  CLEANED=1
  if ((STARTED_STACK)); then
    say "stopping the stack this script started (./dev down --stack-only)"
    ./dev down --stack-only >"$WORK/dev-down.log" 2>&1 || {
      tail -n 20 "$WORK/dev-down.log" >&2
      say "warning: ./dev down failed (output above)"
    }
  fi
  rm -rf "$WORK"
}

summary() {
  ((SUMMARY_PRINTED)) && return 0
  SUMMARY_PRINTED=1
  echo "clients: grpcurl=${RESULT[grpcurl]} ghz=${RESULT[ghz]} python=${RESULT[python]}"
}

on_exit() {
  local rc=$?
  cleanup
  summary
  [[ "${RESULT[grpcurl]}${RESULT[ghz]}${RESULT[python]}" == okokok ]] || ((rc != 0)) || rc=1
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Outside a step: fatal for the whole run (the summary still prints).
die() {
  printf '[clients] error: %s\n' "$*" >&2
  exit 1
}

# run_quiet LOGNAME COMMAND...: runs COMMAND with its output in a log that is
# shown only when it fails.
run_quiet() {
  local log="$WORK/$1.log"
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Tools, installed once into $CACHE (each version in its own directory).

install_venv() {
  local python key dir
  python="$(command -v python3.11 || command -v python3)" || die "python3 is not installed"
  key="$("$python" -c 'import sys; print("py%d.%d" % sys.version_info[:2])')-$(
    printf '%s\n' "${PY_REQUIREMENTS[@]}" | sha256sum | cut -c1-12)"
  dir="$CACHE/venv-$key"
  if [[ ! -f "$dir/.installed" ]]; then
    say "creating a Python venv with ${PY_REQUIREMENTS[*]} (PyPI) in ${dir/#"$HOME"/\~}"
    rm -rf "$dir"
    run_quiet venv "$python" -m venv "$dir" || die "python3 -m venv failed (output above)"
    run_quiet pip "$dir/bin/pip" install --quiet --disable-pip-version-check \
      "${PY_REQUIREMENTS[@]}" || die "pip install ${PY_REQUIREMENTS[*]} failed (output above)"
    touch "$dir/.installed"
  fi
  printf '%s\n' "$dir"
}

mkdir -p "$CACHE"
GRPCURL="$(install_go_tool grpcurl "$GRPCURL_MODULE" "$GRPCURL_VERSION")" ||
  die "grpcurl $GRPCURL_VERSION could not be installed (above)"
GHZ="$(install_go_tool ghz "$GHZ_MODULE" "$GHZ_VERSION")" ||
  die "ghz $GHZ_VERSION could not be installed (above)"
VENV="$(install_venv)"
command -v psql >/dev/null || die "psql is not installed (./dev setup installs postgresql)"
command -v zstd >/dev/null || die "zstd is not installed (the Python test decompresses stored payloads with it)"

# The SDK, built from a copy of client/python (so no build/ or egg-info is
# written into the checkout) with the stubs generated from proto/, and
# installed into the venv when its sources changed since the last install.
install_sdk() {
  local src="$WORK/sdk-src" key marker
  mkdir -p "$src"
  tar -C "$ROOT/client/python" --exclude=./build --exclude=./dist --exclude='*.egg-info' \
    --exclude=_proto --exclude=__pycache__ --exclude=.pytest_cache -cf - . | tar -C "$src" -xf - ||
    die "could not copy client/python"
  key="$( (cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum <"$ROOT/proto/ingest/v1/ingest.proto") | sha256sum | cut -c1-16)"
  marker="$VENV/.session-ingest-sdk-$key"
  (
    flock 9
    [[ -f "$marker" ]] && exit 0
    say "installing the Python SDK (client/python, build $key) into the venv"
    rm -f "$VENV"/.session-ingest-sdk-*
    SESSION_INGEST_PROTO_ROOT="$ROOT/proto" run_quiet sdk-install "$VENV/bin/pip" install --quiet \
      --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$src" ||
      die "pip install client/python failed (output above)"
    touch "$marker"
  ) 9>"$VENV/.session-ingest-sdk.lock" || exit 1
}
install_sdk
say "tools: grpcurl $GRPCURL_VERSION, ghz $GHZ_VERSION," \
  "$("$VENV/bin/python" -c 'import grpc, google.protobuf as p; print("grpcio", grpc.__version__, "protobuf", p.__version__)')"

# ---------------------------------------------------------------------------
# The stack.

ENDPOINTS="$ROOT/.local/endpoints.env"

tcp_accepts() { # HOST:PORT
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c ': <>"/dev/tcp/$0/$1"' "${1%:*}" "${1##*:}" 2>/dev/null
}

load_endpoints() {
  GATEWAY_ADDR='' API_KEY='' PG_DSN='' PROJECT_ID='' KAFKA_MODE='' KAFKA_TOPIC=''
  # shellcheck disable=SC1090
  source "$ENDPOINTS"
}

if [[ -f "$ENDPOINTS" ]] && load_endpoints && [[ -n "$GATEWAY_ADDR" ]] && tcp_accepts "$GATEWAY_ADDR"; then
  say "using the running stack from .local/endpoints.env (gateway $GATEWAY_ADDR); it stays up"
else
  # (A PostgreSQL of a concurrent `./dev test`, .local/pg-test, is not the stack.)
  if ./dev status 2>/dev/null | grep -Eq '^(gateway|worker|kafka|mock_kafka): running|^postgresql \.local/pg: running'; then
    ./dev status >&2 || true
    die "part of the local stack is running but its gateway does not answer; run ./dev down first"
  fi
  up_args=(--kafka=mock --fresh)
  ((BUILD)) || up_args+=(--no-build)
  if [[ -f "$ENDPOINTS" ]]; then
    say "the gateway of .local/endpoints.env (${GATEWAY_ADDR:-none}) does not answer"
  fi
  say "starting a stack: ./dev up ${up_args[*]}"
  # On failure `./dev up` stops what it started itself; it refuses to touch a
  # stack that is already running, which then is not ours to stop either.
  if ! ./dev up "${up_args[@]}" >"$WORK/dev-up.log" 2>&1; then
    tail -n 40 "$WORK/dev-up.log" >&2
    die "./dev up ${up_args[*]} failed (output above)"
  fi
  STARTED_STACK=1
  load_endpoints
fi
[[ -n "$GATEWAY_ADDR" && -n "$PG_DSN" ]] || die ".local/endpoints.env has no GATEWAY_ADDR or PG_DSN"
[[ -n "$API_KEY" ]] ||
  die ".local/endpoints.env has no API_KEY: the running stack predates API keys; ./dev down and run again"
export GATEWAY_ADDR API_KEY PG_DSN PROJECT_ID KAFKA_MODE KAFKA_TOPIC
say "gateway $GATEWAY_ADDR, project ${PROJECT_ID:-?}, kafka ${KAFKA_MODE:-?}, PostgreSQL $PG_DSN"

# ---------------------------------------------------------------------------
# Helpers shared by the steps.

# psql_value SQL [NAME=VALUE...]: one value; the SQL may use :'NAME'.
psql_value() {
  local sql="$1" vars=() kv
  shift
  for kv in "$@"; do vars+=(-v "$kv"); done
  printf '%s\n' "$sql" | psql "$PG_DSN" -X -q -t -A -v ON_ERROR_STOP=1 "${vars[@]}"
}

# wait_rows SESSION_ID EXPECTED: polls session_payloads until it holds exactly
# EXPECTED rows of the session (fails on more, or on fewer at the deadline).
wait_rows() {
  local sid="$1" want="$2" have=0 deadline=$((SECONDS + PG_WAIT_SECONDS))
  while :; do
    have="$(psql_value "SELECT count(*) FROM session_payloads WHERE session_id = :'sid';" sid="$sid")" ||
      fail "psql could not query session_payloads at $PG_DSN"
    ((have == want)) && return 0
    ((have > want)) && fail "PostgreSQL holds $have rows of session $sid, expected exactly $want"
    ((SECONDS >= deadline)) &&
      fail "PostgreSQL holds $have of $want rows of session $sid after ${PG_WAIT_SECONDS}s"
    sleep 0.5
  done
}

# The session id in InitializeSession's JSON (grpcurl prints the proto field
# names, protojson the camelCase ones: either is accepted).
session_id_of() { # JSON
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d.get("session_id") or d["sessionId"])' "$1"
}

# gc ARGS...: grpcurl -plaintext ARGS (which include the address); output
# (stdout and stderr) in $OUT, exit status in $RC.
OUT='' RC=0
gc() {
  RC=0
  OUT="$("$GRPCURL" -plaintext -max-time 20 "$@" 2>&1)" || RC=$?
}
gc_call() { # METHOD JSON [grpcurl options...]
  local method="$1" data="$2"
  shift 2
  gc "$@" -d "$data" "$GATEWAY_ADDR" "$method"
}
AUTH=(-H "authorization: Bearer $API_KEY")

expect_ok() { # WHAT
  ((RC == 0)) || fail "$1: expected OK, grpcurl exited $RC: $OUT"
}
expect_code() { # WHAT CODE (as grpcurl prints it, e.g. Unauthenticated)
  ((RC != 0)) || fail "$1: expected $2, got OK: $OUT"
  grep -q "Code: $2\$" <<<"$OUT" || fail "$1: expected Code: $2, got (exit $RC): $OUT"
}

# ---------------------------------------------------------------------------
# 1. grpcurl

step_grpcurl() {
  say "== grpcurl: reflection, health, auth, validation"
  gc "$GATEWAY_ADDR" list
  expect_ok "grpcurl list (no API key: reflection must not need one)"
  grep -qx 'ingest.v1.Ingest' <<<"$OUT" || fail "grpcurl list does not show ingest.v1.Ingest: $OUT"
  grep -qx 'grpc.health.v1.Health' <<<"$OUT" || fail "grpcurl list does not show grpc.health.v1.Health: $OUT"
  say "list: $(tr '\n' ' ' <<<"$OUT")"

  gc "$GATEWAY_ADDR" describe ingest.v1.Ingest
  expect_ok "grpcurl describe ingest.v1.Ingest"
  local rpc
  for rpc in InitializeSession PushPayload PushPayloadStream IdentifySession AddSessionProperties \
    AddSessionFeedback PushBackendErrors PushMetrics; do
    grep -q "rpc $rpc (" <<<"$OUT" || fail "describe ingest.v1.Ingest lacks rpc $rpc: $OUT"
  done
  grep -q 'stream .ingest.v1.PushPayloadStreamRequest' <<<"$OUT" ||
    fail "describe: PushPayloadStream is not client-streaming: $OUT"
  gc "$GATEWAY_ADDR" describe ingest.v1.PushPayloadRequest
  expect_ok "grpcurl describe ingest.v1.PushPayloadRequest"
  say "describe: 8 rpcs of ingest.v1.Ingest, PushPayloadStream client-streaming"

  gc "$GATEWAY_ADDR" describe grpc.health.v1.Health
  expect_ok "grpcurl describe grpc.health.v1.Health"
  local deadline=$((SECONDS + HEALTH_WAIT_SECONDS))
  while :; do
    gc -d '{"service": ""}' "$GATEWAY_ADDR" grpc.health.v1.Health/Check
    ((RC == 0)) && grep -q '"status": "SERVING"' <<<"$OUT" && break
    ((SECONDS >= deadline)) &&
      fail "grpc.health.v1.Health/Check is not SERVING after ${HEALTH_WAIT_SECONDS}s: $OUT"
    sleep 0.5
  done
  say "health: SERVING"

  gc_call ingest.v1.Ingest/InitializeSession \
    "{\"project_id\": \"${PROJECT_ID}\", \"client_version\": \"grpcurl\", \"environment\": \"test\"}" "${AUTH[@]}"
  expect_ok "InitializeSession with the API key"
  local sid
  sid="$(session_id_of "$OUT")" ||
    fail "InitializeSession: no sessionId in $OUT"
  [[ -n "$sid" ]] || fail "InitializeSession returned an empty session id"
  say "InitializeSession: $sid"

  local events
  events="$(printf '[{"type":4,"data":{"href":"https://example.test/grpcurl"}}]' | base64 -w0)"
  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"$sid\", \"payload_id\": 1, \"content\": {\"events\": \"$events\"}}" "${AUTH[@]}"
  expect_ok "PushPayload with the API key"
  grep -Eq '"(payload_id|payloadId)": "1"' <<<"$OUT" || fail "PushPayload: response lacks payload_id 1: $OUT"
  say "PushPayload: $(tr -d ' \n' <<<"$OUT")"

  gc_call ingest.v1.Ingest/InitializeSession '{"client_version": "grpcurl"}'
  expect_code "InitializeSession without authorization" Unauthenticated
  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"$sid\", \"payload_id\": 2, \"content\": {\"events\": \"$events\"}}"
  expect_code "PushPayload without authorization" Unauthenticated
  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"$sid\", \"payload_id\": 2, \"content\": {\"events\": \"$events\"}}" \
    -H "authorization: Bearer sk_not_a_key_of_this_gateway"
  expect_code "PushPayload with an unknown key" Unauthenticated
  say "no key / unknown key: Unauthenticated"

  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"not-a-session-id\", \"payload_id\": 2, \"content\": {\"events\": \"$events\"}}" "${AUTH[@]}"
  expect_code "PushPayload with a malformed session id" InvalidArgument
  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"\", \"payload_id\": 2, \"content\": {\"events\": \"$events\"}}" "${AUTH[@]}"
  expect_code "PushPayload with an empty session id" InvalidArgument
  gc_call ingest.v1.Ingest/PushPayload \
    "{\"session_id\": \"$sid\", \"payload_id\": 0, \"content\": {\"events\": \"$events\"}}" "${AUTH[@]}"
  expect_code "PushPayload with payload_id 0" InvalidArgument
  say "bad session id / payload_id 0: InvalidArgument"

  wait_rows "$sid" 1
  say "PostgreSQL: 1 row for $sid"
}

# ---------------------------------------------------------------------------
# 2. ghz

step_ghz() {
  say "== ghz: $GHZ_TOTAL PushPayload calls, concurrency $GHZ_CONCURRENCY, via reflection"
  gc_call ingest.v1.Ingest/InitializeSession '{"client_version": "ghz"}' "${AUTH[@]}"
  expect_ok "InitializeSession for ghz"
  local sid events report="$WORK/ghz.json"
  sid="$(session_id_of "$OUT")" ||
    fail "InitializeSession: no sessionId in $OUT"
  events="$(head -c 2048 /dev/urandom | base64 -w0)"
  # RequestNumber counts from 0; payload ids count from 1.
  printf '{"session_id": "%s", "payload_id": {{add .RequestNumber 1}}, "content": {"events": "%s"}}' \
    "$sid" "$events" >"$WORK/ghz-data.json"
  printf '{"authorization": "Bearer %s"}' "$API_KEY" >"$WORK/ghz-metadata.json"
  local rc=0
  "$GHZ" --insecure --call ingest.v1.Ingest.PushPayload \
    --data-file "$WORK/ghz-data.json" --metadata-file "$WORK/ghz-metadata.json" \
    --total "$GHZ_TOTAL" --concurrency "$GHZ_CONCURRENCY" --connections 2 \
    --timeout 20s --format json --output "$report" "$GATEWAY_ADDR" >"$WORK/ghz.log" 2>&1 || rc=$?
  if ((rc != 0)) || [[ ! -s "$report" ]]; then
    cat "$WORK/ghz.log" >&2
    fail "ghz exited $rc without a report (output above)"
  fi
  local count ok rps avg p99 codes errors
  # shellcheck disable=SC2016 # a Python program
  read -r count ok rps avg p99 codes errors < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
codes = d.get("statusCodeDistribution") or {}
p99 = [x["latency"] for x in (d.get("latencyDistribution") or []) if x["percentage"] == 99] or [0]
print(d["count"], codes.get("OK", 0), "%.0f" % d["rps"], "%.1f" % (d["average"] / 1e6),
      "%.1f" % (p99[0] / 1e6), json.dumps(codes, separators=(",", ":")),
      json.dumps(d.get("errorDistribution") or {}, separators=(",", ":")).replace(" ", "_"))
' "$report") || fail "could not read ghz's JSON report"
  say "ghz: count=$count ok=$ok rps=$rps avg_ms=$avg p99_ms=$p99 codes=$codes"
  ((count == GHZ_TOTAL)) || fail "ghz made $count calls, expected $GHZ_TOTAL"
  ((ok == GHZ_TOTAL)) || fail "ghz: $ok of $GHZ_TOTAL calls OK; codes $codes; errors $errors"
  echo "ghz: total=$GHZ_TOTAL ok=$ok rps=$rps avg_ms=$avg p99_ms=$p99"

  wait_rows "$sid" "$GHZ_TOTAL"
  local ids
  ids="$(psql_value "SELECT count(DISTINCT payload_id) || ' ' || min(payload_id) || ' ' || max(payload_id)
    FROM session_payloads WHERE session_id = :'sid';" sid="$sid")"
  [[ "$ids" == "$GHZ_TOTAL 1 $GHZ_TOTAL" ]] ||
    fail "PostgreSQL payload ids of $sid: distinct/min/max = $ids, expected $GHZ_TOTAL 1 $GHZ_TOTAL"
  say "PostgreSQL: $GHZ_TOTAL rows for $sid, payload ids 1..$GHZ_TOTAL"
}

# ---------------------------------------------------------------------------
# 3. Python: the SDK (client/python)

step_python() {
  local pytest=("$VENV/bin/python" -m pytest -p no:cacheprovider)
  say "== python: the SDK's unit tests (fake gateway), pytest $("$VENV/bin/python" -c 'import pytest; print(pytest.__version__)')"
  PYTHONDONTWRITEBYTECODE=1 "${pytest[@]}" -q "$ROOT/client/python/tests" ||
    fail "the SDK's unit tests failed (above)"
  say "== python: the SDK against the gateway (sdk_gateway_test.py)"
  PYTHONDONTWRITEBYTECODE=1 PG_WAIT_SECONDS="$PG_WAIT_SECONDS" \
    "${pytest[@]}" -v -s "$HERE/sdk_gateway_test.py" || fail "the SDK's gateway tests failed (above)"
}

# Each step runs in a subshell with errexit in force; one failing does not
# stop the others.
run_step() { # NAME
  local rc=0 started=$SECONDS
  set +e
  (
    set -e
    "step_$1"
  )
  rc=$?
  set -e
  if ((rc == 0)); then RESULT[$1]=ok; else RESULT[$1]=fail; fi
  say "$1: ${RESULT[$1]} ($((SECONDS - started))s)"
}

run_step grpcurl
run_step ghz
run_step python
if [[ "${RESULT[grpcurl]}${RESULT[ghz]}${RESULT[python]}" != okokok ]]; then
  say "the stack's logs: ./dev logs gateway, ./dev logs worker (.local/logs/)"
fi

cleanup
summary
