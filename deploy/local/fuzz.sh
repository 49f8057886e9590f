# shellcheck shell=bash
# ./dev fuzz: the libFuzzer targets of fuzz/ (one per decoder of untrusted
# bytes; fuzz/README.md).
#
# The fuzzers are built by clang with libFuzzer's coverage, AddressSanitizer
# and UndefinedBehaviorSanitizer (.bazelrc's --config=fuzz) in an output base
# of their own under the cache, so switching compilers never invalidates the
# main build. Each target runs for --seconds on a working corpus in
# .local/fuzz/corpus/NAME (new inputs land there) read together with the seed
# corpus fuzz/corpus/NAME; a crash is written to .local/fuzz/crashes/NAME/.
# One line per target:
#   fuzz NAME: runs=… exec_per_s=… cov=… ft=… corpus=… new_units=… peak_rss_mb=… seconds=… crashes=0
#
# Sourced by ./dev.

# One output base per checkout (as Bazel's own are): two clones must not
# share a server. ~/.cache/session-ingest/bazel-fuzz-<hash of the path>.
FUZZ_OUTPUT_BASE="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest/bazel-fuzz-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
FUZZ_DIR="$LOCAL/fuzz"
FUZZ_DEFAULT_SECONDS=60

# Every target: fuzz/NAME_fuzzer.cc, sorted.
fuzz_targets() {
  local file
  for file in "$ROOT"/fuzz/*_fuzzer.cc; do
    file="${file##*/}"
    echo "${file%_fuzzer.cc}"
  done
}

fuzz_bazel() { bazel --output_base="$FUZZ_OUTPUT_BASE" "$@"; }

# Builds the fuzzers of NAME... (log: .local/fuzz/build.log).
fuzz_build() { # NAME...
  local labels=("${@/#///fuzz:}")
  labels=("${labels[@]/%/_fuzzer}")
  mkdir -p "$FUZZ_DIR"
  log "building ${#labels[@]} fuzzer(s) with clang, ASan and UBSan (log: ${FUZZ_DIR#"$ROOT"/}/build.log)"
  if ! fuzz_bazel build --config=fuzz "${labels[@]}" >"$FUZZ_DIR/build.log" 2>&1; then
    show_log_tail "$FUZZ_DIR/build.log" 30
    die "the fuzz build failed (log above: ${FUZZ_DIR#"$ROOT"/}/build.log)"
  fi
}

# Runs NAME's fuzzer for SECONDS; prints its line; fails on a crash.
fuzz_run() { # NAME SECONDS
  local name="$1" seconds="$2" bin corpus="$FUZZ_DIR/corpus/$1" crashes="$FUZZ_DIR/crashes/$1"
  local out="$FUZZ_DIR/$1.log" stamp="$FUZZ_DIR/$1.start" rc=0
  bin="$(fuzz_bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz/${name}_fuzzer"
  [[ -x "$bin" ]] || die "no fuzzer binary for $name at $bin"
  mkdir -p "$corpus" "$crashes"
  touch "$stamp"
  # -rss_limit_mb: an input that makes a decoder allocate 2 GB is a finding.
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=25 \
    -artifact_prefix="$crashes/" "$corpus" "$ROOT/fuzz/corpus/$name" >"$out" 2>&1 || rc=$?
  local done_line runs exec_s new_units rss found
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out" | tail -n 1)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")"
  exec_s="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out")"
  new_units="$(sed -n 's/^stat::new_units_added: *//p' "$out")"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$out")"
  found="$(find "$crashes" -type f -newer "$stamp" 2>/dev/null | wc -l)"
  echo "fuzz $name: runs=${runs:-?} exec_per_s=${exec_s:-?}" \
    "cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$done_line")" \
    "ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$done_line")" \
    "corpus=$(find "$corpus" -type f | wc -l)" "new_units=${new_units:-?}" \
    "peak_rss_mb=${rss:-?} seconds=$seconds crashes=$found"
  if ((rc != 0 || found > 0)); then
    grep -E 'ERROR: |SUMMARY: |Test unit written to|runtime error' "$out" | head -n 8 >&2
    warn "fuzz $name: the fuzzer stopped (exit $rc); input and log: ${crashes#"$ROOT"/}/, ${out#"$ROOT"/}; reproduce: $bin <input>"
    return 1
  fi
}

cmd_fuzz() {
  local seconds="$FUZZ_DEFAULT_SECONDS" names=() arg
  for arg in "$@"; do
    case "$arg" in
      --seconds=*) seconds="${arg#--seconds=}" ;;
      -h | --help)
        cat <<EOF
Usage: ./dev fuzz [TARGET...] [--seconds=N]
  Builds the libFuzzer targets (clang, ASan, UBSan; own output base in the
  cache) and runs each for N seconds (default $FUZZ_DEFAULT_SECONDS) on .local/fuzz/corpus/TARGET
  plus the seeds in fuzz/corpus/TARGET. Targets: $(fuzz_targets | tr '\n' ' ')
  One line each: fuzz TARGET: runs=… exec_per_s=… cov=… ft=… corpus=… crashes=0
EOF
        return 0
        ;;
      -*) die "fuzz: unknown option $arg (see ./dev fuzz --help)" ;;
      *) names+=("$arg") ;;
    esac
  done
  [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "fuzz: --seconds wants a positive whole number, not '$seconds'"
  local known
  known=" $(fuzz_targets | tr '\n' ' ') "
  ((${#names[@]})) || read -r -a names <<<"$known"
  for arg in "${names[@]}"; do
    [[ "$known" == *" $arg "* ]] || die "fuzz: no target '$arg' (targets:$known)"
  done
  cmd_setup
  fuzz_build "${names[@]}"
  local failed=0 verdicts=()
  for arg in "${names[@]}"; do
    log "fuzzing $arg for ${seconds}s"
    if fuzz_run "$arg" "$seconds"; then
      verdicts+=("fuzz_$arg=ok")
    else
      verdicts+=("fuzz_$arg=fail")
      failed=1
    fi
  done
  [[ -n "${FUZZ_VERDICT_FILE:-}" ]] && echo "${verdicts[*]}" >"$FUZZ_VERDICT_FILE"
  return "$failed"
}
