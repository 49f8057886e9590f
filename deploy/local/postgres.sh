# shellcheck shell=bash
# Throwaway PostgreSQL clusters for the local stack, from Debian's server.
#
# A cluster NAME lives in .local/NAME (made on demand by initdb, reused), logs
# to .local/logs/NAME.log and listens on 127.0.0.1 only, on the port recorded
# in .local/ports/NAME. Local TCP connections are trusted, so a DSN like
# "host=127.0.0.1 port=P user=postgres dbname=ingest" works without a password.
#
# initdb refuses to run as root: as root, initdb and pg_ctl run as the
# `postgres` system user on a directory it owns. When that user cannot reach
# the repository (a clone under /root, mode 700), the data directory moves to
# /var/tmp and .local/NAME becomes a symlink to it. The server's log is written
# through a file descriptor ./dev opens, so it can stay in .local/logs.

PG_DATABASE=ingest
PG_START_SECONDS=60
PG_PORT="" # set by pg_start

pg_bindir() {
  local dir
  dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [[ -x "$dir/initdb" ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql; run ./dev setup"
  echo "$dir"
}

# Runs a server command as the cluster's owner.
as_pg_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Prints the data directory of cluster NAME (it may not be initialized yet),
# choosing and creating its location on first use.
pg_datadir() { # NAME
  local link="$LOCAL/$1" dir
  if [[ -L "$link" ]]; then
    dir="$(readlink "$link")"
  elif [[ -d "$link" ]] || ((EUID != 0)) || runuser -u postgres -- test -x "$LOCAL"; then
    dir="$link"
  else
    dir="/var/tmp/session-ingest-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)/$1"
    ln -sfn "$dir" "$link"
  fi
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir"
    chmod 700 "$dir"
    if ((EUID == 0)); then
      id postgres >/dev/null 2>&1 || die "no 'postgres' system user; install the postgresql package (./dev setup)"
      chown postgres:postgres "$dir"
      chmod o+x "$(dirname "$dir")"
    fi
  fi
  echo "$dir"
}

pg_dsn() { # PORT [DBNAME]
  echo "host=127.0.0.1 port=$1 user=postgres dbname=${2:-$PG_DATABASE}"
}

pg_psql() { # PORT DBNAME SQL
  PGCONNECT_TIMEOUT=5 "$(pg_bindir)/psql" "$(pg_dsn "$1" "$2")" \
    -X -q -t -A -v ON_ERROR_STOP=1 -c "$3"
}

pg_running() { # NAME
  local dir
  [[ -e "$LOCAL/$1" ]] || return 1
  dir="$(pg_datadir "$1")"
  [[ -f "$dir/postmaster.pid" ]] || return 1
  as_pg_owner "$(pg_bindir)/pg_ctl" status -D "$dir" >/dev/null 2>&1
}

# pg_init NAME [fast]: creates the cluster when missing. "fast" turns off
# fsync for test clusters, whose contents never need to survive a crash.
pg_init() {
  local name="$1" mode="${2:-}" dir
  ensure_local_dirs
  dir="$(pg_datadir "$name")"
  [[ -f "$dir/PG_VERSION" ]] && return 0
  if ((EUID == 0)) && ! runuser -u postgres -- test -w "$dir"; then
    die "the postgres user cannot write $dir; make the directories above it traversable (chmod o+x)"
  fi
  log "creating PostgreSQL cluster .local/$name"
  as_pg_owner find "$dir" -mindepth 1 -delete # leftovers of an interrupted initdb
  if ! as_pg_owner "$(pg_bindir)/initdb" -D "$dir" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$LOG_DIR/$name-initdb.log" 2>&1; then
    show_log_tail "$LOG_DIR/$name-initdb.log"
    as_pg_owner find "$dir" -mindepth 1 -delete
    die "initdb failed for .local/$name (log above)"
  fi
  {
    echo
    echo "# ./dev: loopback only, no Unix socket; the port comes from pg_ctl -o."
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = ''"
    echo "max_connections = 100"
    if [[ "$mode" == fast ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_pg_owner tee -a "$dir/postgresql.conf" >/dev/null
}

# pg_start NAME [fast]: starts the cluster (creating it first), waits until it
# accepts connections, creates the database. Sets PG_PORT.
pg_start() {
  local name="$1" mode="${2:-}" dir log_file="$LOG_DIR/$1.log" port
  pg_init "$name" "$mode"
  dir="$(pg_datadir "$name")"
  if pg_running "$name"; then
    port="$(<"$PORT_DIR/$name")"
  else
    port="$(port_for "$name")"
    rotate_log "$name"
    # Without -l, the server writes to pg_ctl's stdout: the log file opened here.
    if ! as_pg_owner "$(pg_bindir)/pg_ctl" start -D "$dir" -o "-p $port" \
      -w -t "$PG_START_SECONDS" >>"$log_file" 2>&1; then
      show_log_tail "$log_file"
      die "PostgreSQL (.local/$name) did not start within ${PG_START_SECONDS}s (log above; also ./dev logs $name)"
    fi
  fi
  if [[ "$(pg_psql "$port" postgres "select 1 from pg_database where datname = '$PG_DATABASE'")" != 1 ]]; then
    pg_psql "$port" postgres "create database $PG_DATABASE" ||
      die "could not create database $PG_DATABASE in .local/$name"
  fi
  # shellcheck disable=SC2034 # read by ./dev
  PG_PORT="$port"
}

# Drops and recreates the database, so a run starts from empty tables.
pg_recreate_database() { # PORT
  if ! pg_psql "$1" postgres "drop database if exists $PG_DATABASE with (force)" ||
    ! pg_psql "$1" postgres "create database $PG_DATABASE"; then
    die "could not recreate database $PG_DATABASE on port $1"
  fi
}

pg_stop() { # NAME
  local name="$1"
  pg_running "$name" || return 0
  if as_pg_owner "$(pg_bindir)/pg_ctl" stop -D "$(pg_datadir "$name")" -m fast -w -t 60 >/dev/null; then
    log "stopped PostgreSQL .local/$name"
  else
    warn "pg_ctl stop failed for .local/$name; see ./dev logs $name"
    return 1
  fi
}
