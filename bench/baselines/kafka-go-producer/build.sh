#!/usr/bin/env bash
# Builds the kafka-go baseline producer into OUT_BINARY (for ./dev bench).
# Usage: bench/baselines/kafka-go-producer/build.sh OUT_BINARY
# Quiet on success; go's output only when the build fails. Go's own caches
# (GOCACHE, GOMODCACHE) make a second build a no-op of well under a second.
# The first build downloads kafka-go and its dependencies, verified against
# go.sum, from the Go module proxy ($GOPROXY).
set -euo pipefail

if (($# != 1)) || [[ -z "$1" ]]; then
  echo "usage: $0 OUT_BINARY" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
[[ "$out" == /* ]] || out="$PWD/$out"

go_bin=""
for candidate in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
  if [[ -n "$candidate" && -x "$candidate" ]]; then
    go_bin="$candidate"
    break
  fi
done
if [[ -z "$go_bin" ]]; then
  echo "kafka-go-producer: no Go toolchain found (PATH, /usr/local/go/bin, /usr/lib/go/bin); install golang-go (Go >= 1.19), e.g. sudo apt-get install golang-go" >&2
  exit 2
fi

mkdir -p "$(dirname "$out")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# -mod=readonly: go.mod and go.sum are the truth, never rewritten.
# -buildvcs=false: the binary does not embed the repository's git state, so
#   edits elsewhere in the tree do not make it stale.
# GOTOOLCHAIN=local: use this Go, never download another (ignored before 1.21).
if ! (cd "$here" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
  "$go_bin" build -o "$out" . >"$log" 2>&1); then
  cat "$log" >&2
  echo "kafka-go-producer: '$go_bin build' failed in $here (output above)" >&2
  exit 1
fi
