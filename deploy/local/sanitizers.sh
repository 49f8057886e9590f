# shellcheck shell=bash
# ./dev sanitize: the tests again under the sanitizers, as ./dev test runs them.
#
#   asan  the product's cc_tests (SANITIZER_ASAN_SCOPE: the services, the
#         SDK, the cross-service end-to-end tests, the fuzz targets' corpus
#         replays; not the harnesses of bench/ and tools/, which keep their
#         gcc run), built by clang with AddressSanitizer + UndefinedBehaviorSanitizer
#         (LeakSanitizer included). It is the fuzzers' build (--config=fuzz,
#         the same output base, deploy/local/fuzz.sh), so the two share one
#         clang compile of the project.
#   tsan  the concurrency-heavy units (SANITIZER_TSAN_TARGETS: the gateway's
#         calls, the producers, the worker's partition loop and writer pool)
#         with ThreadSanitizer (--config=tsan), linking an instrumented copy
#         of abseil's locks (bazel/abseil_source.bzl; its sources are fetched
#         here by ./dev setup).
#
# Both run in the fuzz output base, so neither touches the main build's cache.
# Tests that need PostgreSQL get PG_DSN (./dev test passes its database).
#
# Sourced by ./dev, after fuzz.sh.

SANITIZER_TSAN_TARGETS=(
  //services/gateway:payload_stream_call_test
  //services/gateway:unary_call_test
  //services/gateway:task_publisher_test
  //services/common/kafka:sharded_producer_test
  //services/common/kafka:recreating_producer_test
  //services/worker:partition_loop_test
  //services/worker:batch_writer_pool_test
)

# The upstream release Debian's libabsl-dev 20220623.1 is built from.
ABSEIL_SOURCE_VERSION=20220623.1
ABSEIL_SOURCE_SHA256=abfe2897f3a30edaa74bc34365afe3c2a3cd012091a97dc7e008f7016adcd5fe
ABSEIL_SOURCE_URL="http://deb.debian.org/debian/pool/main/a/abseil/abseil_${ABSEIL_SOURCE_VERSION}.orig.tar.gz"
ABSEIL_SOURCE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest/abseil-$ABSEIL_SOURCE_VERSION"

# Fetches abseil's sources for --config=tsan (idempotent, quiet when present).
abseil_fetch_source() {
  [[ -f "$ABSEIL_SOURCE_DIR/absl/synchronization/mutex.cc" ]] && return 0
  local tmp="$ABSEIL_SOURCE_DIR.tmp.$$"
  log "fetching abseil $ABSEIL_SOURCE_VERSION sources into $ABSEIL_SOURCE_DIR (Debian's archive; for ThreadSanitizer builds)"
  mkdir -p "$tmp"
  if ! curl -fsSL --retry 3 -o "$tmp/source.tar.gz" "$ABSEIL_SOURCE_URL"; then
    rm -rf "$tmp"
    die "could not download $ABSEIL_SOURCE_URL; check access to deb.debian.org and rerun ./dev setup"
  fi
  if ! echo "$ABSEIL_SOURCE_SHA256  $tmp/source.tar.gz" | sha256sum --check --quiet 2>/dev/null; then
    rm -rf "$tmp"
    die "$ABSEIL_SOURCE_URL does not have the expected sha256 $ABSEIL_SOURCE_SHA256"
  fi
  tar -xzf "$tmp/source.tar.gz" -C "$tmp" --strip-components=1 || die "cannot unpack $tmp/source.tar.gz"
  rm -f "$tmp/source.tar.gz"
  rm -rf "$ABSEIL_SOURCE_DIR"
  mv "$tmp" "$ABSEIL_SOURCE_DIR"
}

# The packages whose tests run under ASan: the product and its end-to-end
# tests. bench/ and tools/ (63 of the 177 test targets, load drivers and
# verifiers that never face untrusted input) are left to the gcc run, which
# keeps a fresh-clone ./dev test within its hour on two cores.
SANITIZER_ASAN_SCOPE='//services/... + //client/... + //tests/... + //fuzz/...'

# The cc_tests of SANITIZER_ASAN_SCOPE. Asked of the main build's server: the
# fuzz output base's would walk into the main build's bazel-* links.
sanitizer_asan_targets() {
  bazel query "kind(cc_test, $SANITIZER_ASAN_SCOPE)" 2>/dev/null
}

# Runs SANITIZER's tests (bazel test in the fuzz output base) and writes the
# build event file BEP for test_summary.py. Returns bazel's exit status.
# Extra arguments go to bazel test (--test_env=...).
sanitizer_test() { # asan|tsan BEP [BAZEL_ARG...] [-- TARGET...]
  local sanitizer="$1" bep="$2" config targets=() args=()
  shift 2
  while (($#)); do
    if [[ "$1" == -- ]]; then
      shift
      targets=("$@")
      break
    fi
    args+=("$1")
    shift
  done
  case "$sanitizer" in
    asan)
      config=fuzz
      ((${#targets[@]})) || mapfile -t targets < <(sanitizer_asan_targets)
      ;;
    tsan)
      config=tsan
      abseil_fetch_source
      ((${#targets[@]})) || targets=("${SANITIZER_TSAN_TARGETS[@]}")
      ;;
    *) die "sanitize: unknown sanitizer '$sanitizer' (asan or tsan)" ;;
  esac
  ((${#targets[@]})) || die "sanitize $sanitizer: no test targets (did bazel query fail? see above)"
  rm -f "$bep"
  fuzz_bazel test --config="$config" --keep_going "${targets[@]}" \
    --build_event_json_file="$bep" "${args[@]}"
}

cmd_sanitize() {
  local sanitizer="${1:-}"
  case "$sanitizer" in
    asan | tsan) shift ;;
    -h | --help | "")
      cat <<EOF
usage: ./dev sanitize asan|tsan [TARGET...]
  asan  the cc_tests of services/, client/, tests/ and fuzz/ (or TARGET...) under
        AddressSanitizer + UndefinedBehaviorSanitizer (clang; the fuzzers' build)
  tsan  the concurrency-heavy units (or TARGET...) under ThreadSanitizer
Tests that need PostgreSQL read PG_DSN from the environment.
./dev test runs both (DEV_SKIP_SANITIZERS=1 skips them).
EOF
      [[ -n "$sanitizer" ]] && return 0
      return 2
      ;;
    *) die "sanitize: unknown sanitizer '$sanitizer' (asan or tsan; see ./dev sanitize --help)" ;;
  esac
  cmd_setup
  ensure_local_dirs
  mkdir -p "$LOCAL/test"
  local env=(--test_env=KAFKA_MOCK=1)
  [[ -n "${PG_DSN:-}" ]] && env+=(--test_env=PG_DSN="$PG_DSN")
  local bep="$LOCAL/test/bep-$sanitizer.json" rc=0
  sanitizer_test "$sanitizer" "$bep" "${env[@]}" -- "$@" || rc=$?
  python3 "$ROOT/deploy/local/test_summary.py" --bep="$sanitizer:$rc:$bep"
}
