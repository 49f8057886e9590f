# shellcheck shell=bash
# Go-built test clients (grpcurl, ghz), installed once from the Go module
# proxy into ${XDG_CACHE_HOME:-~/.cache}/session-ingest/clients/go, each
# version in its own directory; nothing is written inside the repository.
# Sourced by tests/clients/run.sh and tests/broker_proxy/real_kafka.sh.

GRPCURL_MODULE=github.com/fullstorydev/grpcurl/cmd/grpcurl
GRPCURL_VERSION=v1.9.1
GHZ_MODULE=github.com/bojand/ghz/cmd/ghz
GHZ_VERSION=v0.120.0
GO_TOOLS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest/clients/go"

# install_go_tool NAME MODULE VERSION: prints the tool's path, installing it
# first when it is not cached (quietly: go's output is shown only when it
# fails). Non-zero, with the reason on stderr, when it cannot be installed.
install_go_tool() {
  local name="$1" module="$2" version="$3"
  local dir="$GO_TOOLS_CACHE/$name-$version" output
  if [[ ! -x "$dir/$name" ]]; then
    if ! command -v go >/dev/null; then
      printf 'go is not installed; it is needed to install %s %s\n' "$name" "$version" >&2
      return 1
    fi
    printf 'installing %s %s from the Go module proxy into %s\n' "$name" "$version" \
      "${dir/#"$HOME"/\~}" >&2
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    if ! output="$(cd "$dir.tmp" && env GOBIN="$dir.tmp" GOFLAGS=-buildvcs=false \
      go install "$module@$version" 2>&1)"; then
      tail -n 40 <<<"$output" >&2
      printf 'go install %s@%s failed (output above)\n' "$module" "$version" >&2
      rm -rf "$dir.tmp"
      return 1
    fi
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "$dir/$name"
}
