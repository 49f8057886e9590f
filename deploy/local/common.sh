# shellcheck shell=bash
# Shared helpers for ./dev: messages, loopback ports, background processes
# identified by recorded pids, and waits that always have a deadline.
#
# Sourced by ./dev after it sets ROOT. Everything the local stack creates lives
# under $LOCAL (gitignored): logs/, pids/, ports/, endpoints.env, pg/, kafka/.

LOCAL="$ROOT/.local"
LOG_DIR="$LOCAL/logs"
PID_DIR="$LOCAL/pids"
PORT_DIR="$LOCAL/ports"

# Messages go to stderr so that a command's stdout carries only its result.
log() { printf '[dev] %s\n' "$*" >&2; }
warn() { printf '[dev] warning: %s\n' "$*" >&2; }
die() {
  printf '[dev] error: %s\n' "$*" >&2
  exit 1
}

ensure_local_dirs() {
  mkdir -p "$LOG_DIR" "$PID_DIR" "$PORT_DIR"
}

# Prints the last lines of a log file to stderr, framed, when it exists.
show_log_tail() {
  local file="$1" lines="${2:-30}"
  [[ -s "$file" ]] || return 0
  printf -- '----- last %s lines of %s -----\n' "$lines" "${file#"$ROOT"/}" >&2
  tail -n "$lines" "$file" >&2
  printf -- '-----\n' >&2
}

# Keeps the previous run's log as NAME.log.prev and starts an empty one. With
# APPEND_LOGS=1 (./dev chaos, whose processes restart many times) the log
# goes on instead, after a line that marks the restart.
rotate_log() {
  local file="$LOG_DIR/$1.log"
  if [[ "${APPEND_LOGS:-0}" == 1 ]]; then
    echo "----- [dev] $1 (re)started at $(date -u +%FT%TZ) -----" >>"$file"
    return 0
  fi
  [[ -f "$file" ]] && mv -f "$file" "$file.prev"
  : >"$file"
}

# ---------------------------------------------------------------------------
# Loopback ports. Each named port is remembered in .local/ports/NAME and reused
# while it is free, so DSNs and addresses stay stable across restarts.

port_is_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

ephemeral_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_for NAME: prints a free loopback port for NAME, distinct from every
# other port recorded under .local/ports.
port_for() {
  local name="$1" file="$PORT_DIR/$1" port others
  ensure_local_dirs
  others="$(cd "$PORT_DIR" && for f in *; do [[ -f "$f" && "$f" != "$name" ]] && cat "$f"; done; true)"
  if [[ -s "$file" ]]; then
    port="$(<"$file")"
    if ! grep -qx -- "$port" <<<"$others" && port_is_free "$port"; then
      echo "$port"
      return 0
    fi
  fi
  for _ in $(seq 1 20); do
    port="$(ephemeral_port)"
    if ! grep -qx -- "$port" <<<"$others"; then
      echo "$port" >"$file"
      echo "$port"
      return 0
    fi
  done
  die "could not find a free loopback port for $name"
}

# ---------------------------------------------------------------------------
# Conditions for waits.

tcp_accepts() { # HOST:PORT
  local host="${1%:*}" port="${1##*:}"
  # shellcheck disable=SC2016 # expanded by the inner bash, from $0 and $1
  timeout 2 bash -c ': <>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

http_ok() { # URL
  python3 - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

# wait_until SECONDS DESCRIPTION PIDNAME COMMAND...
# Polls COMMAND until it succeeds. Fails when the deadline passes or, if
# PIDNAME is not "-", as soon as that recorded process has exited.
wait_until() {
  local seconds="$1" what="$2" pidname="$3"
  shift 3
  local deadline=$((SECONDS + seconds))
  while ! "$@"; do
    if [[ "$pidname" != "-" ]] && ! pidfile_alive "$pidname"; then
      log "$what: $pidname exited while we waited"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "$what: not ready after ${seconds}s"
      return 1
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------
# apt_install [APT_OPTION...] PACKAGE...: installs Debian packages with
# apt-get (through sudo when not root), quietly; on failure prints the tail of
# apt's output and dies. Options (words starting with -) go to apt-get install.
apt_install() {
  local sudo=() out
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "need Debian packages ($*) and there is no sudo: apt-get install them as root"
    sudo=(sudo)
  fi
  log "installing $*"
  out="$(mktemp)"
  if ! { "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@"; } >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    rm -f "$out"
    die "apt-get could not install: $* (output above)"
  fi
  rm -f "$out"
}

# Background processes. .local/pids/NAME.pid holds the pid on line 1 and, on
# line 2, a string its command line must contain: a recycled pid is never
# signalled.

pid_alive() { # PID
  local state
  [[ -r "/proc/$1/stat" ]] || return 1
  state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ "$state" != "Z" && "$state" != "X" ]]
}

pid_matches() { # PID MARKER
  local cmdline
  cmdline="$( (tr '\0' ' ' <"/proc/$1/cmdline") 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$2"* ]]
}

# Prints the recorded pid of NAME when that process is still the one started.
pidfile_pid() { # NAME
  local file="$PID_DIR/$1.pid" pid marker
  [[ -f "$file" ]] || return 1
  { read -r pid && read -r marker; } <"$file" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" && pid_matches "$pid" "$marker" || return 1
  echo "$pid"
}

pidfile_alive() { pidfile_pid "$1" >/dev/null; }

# start_bg NAME MARKER STDOUT_FILE COMMAND...
# Starts COMMAND in its own session (no terminal signals, survives ./dev),
# stdin from /dev/null, stdout to STDOUT_FILE, stderr to .local/logs/NAME.log.
# Pass the log itself as STDOUT_FILE to get both streams there. MARKER is a
# string unique to this command line (see pidfile_pid).
start_bg() {
  local name="$1" marker="$2" out="$3" log_file="$LOG_DIR/$1.log"
  shift 3
  ensure_local_dirs
  if pidfile_alive "$name"; then
    die "$name is already running (pid $(pidfile_pid "$name")); run ./dev down first"
  fi
  if [[ "$out" == "$log_file" ]]; then
    setsid "$@" </dev/null >>"$log_file" 2>&1 &
  else
    setsid "$@" </dev/null >"$out" 2>>"$log_file" &
  fi
  local pid=$!
  printf '%s\n%s\n' "$pid" "$marker" >"$PID_DIR/$name.pid"
  # Until the forked shell has exec'd the command, its command line is still
  # ours and lacks MARKER; a pidfile_pid right after start_bg would then say
  # "not running". Wait (bounded) until it carries the marker or has exited.
  local deadline=$((SECONDS + 10))
  while pid_alive "$pid" && ! pid_matches "$pid" "$marker" && ((SECONDS < deadline)); do
    sleep 0.01
  done
}

# stop_pid PID NAME SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL;
# reaps it when it is our own child.
stop_pid() {
  local pid="$1" name="$2" seconds="$3" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + seconds))
  while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if pid_alive "$pid"; then
    warn "$name (pid $pid) ignored SIGTERM for ${seconds}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  fi
  wait "$pid" 2>/dev/null || true
}

# stop_bg NAME [SECONDS]: stops the recorded process NAME (stop_pid).
stop_bg() {
  local name="$1" seconds="${2:-20}" pid
  if ! pid="$(pidfile_pid "$name")"; then
    rm -f "$PID_DIR/$name.pid"
    return 0
  fi
  stop_pid "$pid" "$name" "$seconds"
  rm -f "$PID_DIR/$name.pid"
  log "stopped $name (pid $pid)"
}
