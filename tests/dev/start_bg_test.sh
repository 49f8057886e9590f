#!/usr/bin/env bash
# start_bg must return only once the started process can be found by
# pidfile_pid: callers (./dev chaos, ./dev up) look it up right away, and a
# child still opening its redirections has our shell's command line, not its
# marker. A FIFO as the child's stdout holds it there until a reader opens the
# other end, which the test does 0.5 s later; pidfile_pid right after
# start_bg must still find the process.
set -euo pipefail

ROOT="$TEST_TMPDIR/root"
# shellcheck source=deploy/local/common.sh
source "deploy/local/common.sh"
ensure_local_dirs

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

fifo="$TEST_TMPDIR/out.fifo"
mkfifo "$fifo"
# Whatever happens, stop what this test started (by its recorded pid).
cleanup() {
  local started
  started="$(head -n 1 "$PID_DIR/held.pid" 2>/dev/null)" || return 0
  [[ "$started" =~ ^[0-9]+$ ]] && pid_alive "$started" && stop_pid "$started" held 5
  [[ -n "${reader:-}" ]] && stop_pid "$reader" reader 5
  return 0
}
trap cleanup EXIT
(sleep 0.5 && cat "$fifo" >/dev/null) &
reader=$!

start_bg held "held-marker-$$" "$fifo" \
  /usr/bin/python3 -c 'import time; time.sleep(30)' "held-marker-$$"
pid="$(pidfile_pid held)" || fail "pidfile_pid found no process right after start_bg (pidfile: $(tr '\n' ' ' <"$PID_DIR/held.pid"))"

((failures == 0)) && echo "PASS: start_bg waits until the process carries its marker"
exit $((failures > 0))
