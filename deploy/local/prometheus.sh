# shellcheck shell=bash
# Monitoring for ./dev: Debian's Prometheus on loopback scraping the local
# stack with the project's alert rules, and the checks of those rules and of
# the Grafana dashboard (promtool, generated files, live panel queries).
#
# Sourced by ./dev after common.sh (log, die, port_for, start_bg, stop_bg,
# LOCAL, LOG_DIR, PID_DIR). The one source of truth for alerts is
# deploy/monitoring/rules/ingest-alerts.yml: the local Prometheus loads it,
# the PrometheusRule in deploy/k8s/components/monitoring/ is rendered from it.

MONITORING_DIR="$ROOT/deploy/monitoring"
MONITORING_RULES="$MONITORING_DIR/rules/ingest-alerts.yml"
MONITORING_RULE_TESTS="$MONITORING_DIR/tests/ingest-alerts.test.yml"
PROMETHEUS_DIR="$LOCAL/prometheus"
PROMETHEUS_START_SECONDS=30
# Scrape often locally so that a short load shows up in rate() at once.
PROMETHEUS_SCRAPE_INTERVAL=2s

# The dashboard generator's Python packages, exact versions, in a venv cached
# outside the repository (one per set of versions).
GRAFANALIB_VERSION=0.7.1
MONITORING_PY_PACKAGES=("grafanalib==$GRAFANALIB_VERSION" "attrs==25.3.0" "PyYAML==6.0.2")
MONITORING_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest/grafanalib-$GRAFANALIB_VERSION"

# ---------------------------------------------------------------------------
# Tools

# prometheus_ensure_installed: Debian's prometheus package (prometheus and
# promtool), installed when missing. Its own systemd service (all interfaces,
# :9090) is not wanted: when this call installed the package on a machine
# run by systemd, the service is stopped and disabled again.
prometheus_ensure_installed() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null && return 0
  apt_install --no-install-recommends prometheus
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  if [[ -d /run/systemd/system ]] && systemctl is-enabled --quiet prometheus 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 ||
      warn "could not stop the prometheus system service; ./dev runs its own on 127.0.0.1"
  fi
}

# monitoring_python: prints the path of a Python with grafanalib and PyYAML,
# creating the cached venv once (quiet when it exists).
monitoring_python() {
  local py="$MONITORING_VENV/bin/python" stamp="$MONITORING_VENV/.installed"
  if [[ -x "$py" && -f "$stamp" && "$(<"$stamp")" == "${MONITORING_PY_PACKAGES[*]}" ]]; then
    echo "$py"
    return 0
  fi
  log "creating the dashboard generator's venv in $MONITORING_VENV (${MONITORING_PY_PACKAGES[*]})"
  rm -rf "$MONITORING_VENV"
  mkdir -p "$(dirname "$MONITORING_VENV")"
  local out
  out="$(mktemp)"
  if ! { /usr/bin/python3 -m venv "$MONITORING_VENV" &&
    "$py" -m pip install --quiet --disable-pip-version-check --no-input "${MONITORING_PY_PACKAGES[@]}"; } >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    rm -rf "$MONITORING_VENV"
    die "could not install ${MONITORING_PY_PACKAGES[*]} into $MONITORING_VENV (output above)"
  fi
  rm -f "$out"
  echo "${MONITORING_PY_PACKAGES[*]}" >"$stamp"
  echo "$py"
}

# ---------------------------------------------------------------------------
# Static checks: `./dev monitoring check` (also part of the k8s check).
#
# Prints one verdict line, "monitoring: promtool_check=ok promtool_test=ok
# alerts_documented=ok alerts_mutation=ok prometheusrule_rendered=ok
# dashboard_generated=ok dashboard_exprs_parse=ok" (fail instead of ok for
# each that failed), and returns non-zero when any failed. Details go to
# stderr.
monitoring_check() {
  prometheus_ensure_installed
  local py tmp mon_verdicts=() mon_line_verdicts=() rc=0
  py="$(monitoring_python)"
  tmp="$(mktemp -d)"

  if promtool check rules "$MONITORING_RULES" >"$tmp/check.log" 2>&1; then
    mon_verdicts+=(promtool_check=ok)
  else
    mon_verdicts+=(promtool_check=fail) && cat "$tmp/check.log" >&2
  fi
  if promtool test rules "$MONITORING_RULE_TESTS" >"$tmp/test.log" 2>&1; then
    mon_verdicts+=(promtool_test=ok)
  else
    mon_verdicts+=(promtool_test=fail) && tail -n 60 "$tmp/test.log" >&2
  fi
  # Annotations and runbook sections; each alert mutated to always/never
  # fire must make the unit tests fail.
  local line
  line="$("$py" "$MONITORING_DIR/check_alerts.py")" || true
  if [[ "$line" == *alerts_documented=* ]]; then
    read -r -a mon_line_verdicts <<<"$line"
    mon_verdicts+=("${mon_line_verdicts[@]}")
  else
    mon_verdicts+=(alerts_documented=fail alerts_mutation=fail)
  fi
  if "$py" "$MONITORING_DIR/render_prometheusrule.py" --check >&2; then
    mon_verdicts+=(prometheusrule_rendered=ok)
  else
    mon_verdicts+=(prometheusrule_rendered=fail)
  fi
  if "$py" "$MONITORING_DIR/dashboard/ingest_dashboard.py" --check >&2; then
    mon_verdicts+=(dashboard_generated=ok)
  else
    mon_verdicts+=(dashboard_generated=fail)
  fi
  # Every panel expression as a recording rule: promtool parses each one.
  if "$py" "$MONITORING_DIR/dashboard/ingest_dashboard.py" --exprs-as-rules >"$tmp/exprs.yml" &&
    promtool check rules "$tmp/exprs.yml" >"$tmp/exprs.log" 2>&1; then
    mon_verdicts+=(dashboard_exprs_parse=ok)
  else
    mon_verdicts+=(dashboard_exprs_parse=fail) && cat "$tmp/exprs.log" >&2
  fi
  rm -rf "$tmp"
  [[ "${mon_verdicts[*]}" == *=fail* ]] && rc=1
  echo "monitoring: ${mon_verdicts[*]}"
  return "$rc"
}

# monitoring_render: regenerates the PrometheusRule and the dashboard (JSON
# and ConfigMap) after a change to the rule file or the generator.
monitoring_render() {
  local py
  py="$(monitoring_python)"
  "$py" "$MONITORING_DIR/render_prometheusrule.py"
  "$py" "$MONITORING_DIR/dashboard/ingest_dashboard.py"
}

# ---------------------------------------------------------------------------
# The local Prometheus

# prometheus_write_config FILE GATEWAY_METRICS_URL WORKER_METRICS_URL
#   BROKER_PROXY_METRICS_URL: a scrape config for the three services (job
# names as in Kubernetes, where the PodMonitors take the job from the pods'
# app.kubernetes.io/name) that loads the project's alert rules.
prometheus_write_config() {
  local file="$1" gateway="$2" worker="$3" broker_proxy="$4"
  python3 - "$file" "$MONITORING_RULES" "$PROMETHEUS_SCRAPE_INTERVAL" \
    gateway "$gateway" worker "$worker" broker-proxy "$broker_proxy" <<'EOF'
import json, sys, urllib.parse
out, rules, interval, *jobs = sys.argv[1:]
lines = [
    "# Written by ./dev up (deploy/local/prometheus.sh); regenerated each time.",
    "global:",
    f"  scrape_interval: {interval}",
    f"  evaluation_interval: {interval}",
    "rule_files:",
    f"  - {json.dumps(rules)}",
    "scrape_configs:",
]
for job, url in zip(jobs[::2], jobs[1::2]):
    if not url:
        continue
    u = urllib.parse.urlsplit(url)
    lines += [
        f"  - job_name: {json.dumps(job)}",
        f"    metrics_path: {json.dumps(u.path or '/metrics')}",
        "    static_configs:",
        f"      - targets: [{json.dumps(u.netloc)}]",
    ]
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
EOF
}

# prometheus_start: starts Prometheus on 127.0.0.1 scraping the stack whose
# metrics URLs are set (GATEWAY_METRICS_URL, WORKER_METRICS_URL and, when
# known, BROKER_PROXY_METRICS_URL, else the recorded metrics port of a
# running broker-proxy), waits until it is ready and has scraped every target once. Sets
# PROMETHEUS_URL.
prometheus_start() {
  prometheus_ensure_installed
  local port broker_proxy_url="${BROKER_PROXY_METRICS_URL:-}"
  if [[ -z "$broker_proxy_url" && -s "$PORT_DIR/broker_proxy-metrics" ]] && pidfile_alive broker_proxy; then
    broker_proxy_url="http://127.0.0.1:$(<"$PORT_DIR/broker_proxy-metrics")/metrics"
  fi
  [[ -n "${GATEWAY_METRICS_URL:-}" && -n "${WORKER_METRICS_URL:-}" ]] ||
    die "prometheus_start: GATEWAY_METRICS_URL and WORKER_METRICS_URL are not set (is the stack up?)"
  ensure_local_dirs
  # A fresh TSDB each time: series of an earlier stack (other ports) would
  # otherwise linger for five minutes and trip the alerts.
  rm -rf "$PROMETHEUS_DIR/data"
  mkdir -p "$PROMETHEUS_DIR/data"
  prometheus_write_config "$PROMETHEUS_DIR/prometheus.yml" "$GATEWAY_METRICS_URL" \
    "$WORKER_METRICS_URL" "$broker_proxy_url"
  promtool check config "$PROMETHEUS_DIR/prometheus.yml" >"$LOG_DIR/prometheus-config.log" 2>&1 || {
    cat "$LOG_DIR/prometheus-config.log" >&2
    die "the generated Prometheus config does not check (above)"
  }
  port="$(port_for prometheus)"
  PROMETHEUS_URL="http://127.0.0.1:$port"
  rotate_log prometheus
  start_bg prometheus "--web.listen-address=127.0.0.1:$port" "$LOG_DIR/prometheus.log" \
    prometheus \
    --config.file="$PROMETHEUS_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROMETHEUS_DIR/data" \
    --storage.tsdb.retention.time=1d \
    --web.listen-address="127.0.0.1:$port" \
    --web.console.templates=/usr/share/prometheus/consoles \
    --web.console.libraries=/usr/share/prometheus/console_libraries
  if ! wait_until "$PROMETHEUS_START_SECONDS" prometheus prometheus http_ok "$PROMETHEUS_URL/-/ready" ||
    ! wait_until "$PROMETHEUS_START_SECONDS" "prometheus targets" prometheus \
      prometheus_targets_up "$PROMETHEUS_URL"; then
    show_log_tail "$LOG_DIR/prometheus.log"
    prometheus_stop
    die "prometheus was not ready with every target up at $PROMETHEUS_URL within ${PROMETHEUS_START_SECONDS}s (log above)"
  fi
  log "Prometheus at $PROMETHEUS_URL (alerts: $PROMETHEUS_URL/alerts)"
}

# prometheus_targets_up URL: every configured target has been scraped and is up.
prometheus_targets_up() {
  python3 - "$1" <<'EOF' 2>/dev/null
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/api/v1/targets?state=active", timeout=2) as r:
    targets = json.load(r)["data"]["activeTargets"]
sys.exit(0 if targets and all(t["health"] == "up" for t in targets) else 1)
EOF
}

prometheus_stop() { stop_bg prometheus; }

# prometheus_check_dashboard [URL]: runs every dashboard panel's expressions
# through Prometheus' query API once; prints "panel: TITLE: N series (a+b)"
# per panel and the verdict line "monitoring: dashboard_exprs=ok" (fail when
# a panel returned no series). Returns non-zero on fail.
prometheus_check_dashboard() {
  local url="${1:-${PROMETHEUS_URL:-}}" py
  [[ -n "$url" ]] || die "prometheus_check_dashboard: no Prometheus URL (PROMETHEUS_URL)"
  py="$(monitoring_python)"
  "$py" "$MONITORING_DIR/dashboard/ingest_dashboard.py" --query="$url"
}

# monitoring_live_check LOADGEN: with the stack of .local/endpoints.env and
# its Prometheus up, pushes a short load (LOADGEN: the load generator binary;
# 5 sessions x 5 payloads), then repeats prometheus_check_dashboard
# until every panel has data or MONITORING_LIVE_SECONDS (default 60: the
# gateway's librdkafka statistics come every 15 s) pass. Prints the panel
# lines and the verdict line of the last attempt; non-zero on fail.
monitoring_live_check() {
  local loadgen="$1" deadline out
  [[ -f "$LOCAL/endpoints.env" ]] || die "monitoring_live_check: no .local/endpoints.env (./dev up first)"
  # shellcheck disable=SC1091 # written by ./dev up
  . "$LOCAL/endpoints.env"
  [[ -n "${PROMETHEUS_URL:-}" ]] || die "monitoring_live_check: PROMETHEUS_URL is not in .local/endpoints.env"
  log "monitoring: a short load through $GATEWAY_ADDR, then every panel through $PROMETHEUS_URL"
  # The panels are checked whatever the load's own verification says (that
  # is other tests' business); a load that could not run shows as panels
  # without data.
  INGEST_API_KEY="$API_KEY" "$loadgen" --gateway="$GATEWAY_ADDR" --pg_dsn="$PG_DSN" \
    --project="$PROJECT_ID" --sessions=5 --payloads=5 --max_payload_bytes=262144 \
    --verify_timeout=30s --label=monitoring-load >"$LOG_DIR/monitoring-load.log" 2>&1 || {
    tail -n 5 "$LOG_DIR/monitoring-load.log" >&2
    warn "the load generator failed (above; .local/logs/monitoring-load.log); querying the panels anyway"
  }
  deadline=$((SECONDS + ${MONITORING_LIVE_SECONDS:-60}))
  while :; do
    if out="$(prometheus_check_dashboard "$PROMETHEUS_URL" 2>&1)"; then
      echo "$out"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "$out"
      return 1
    fi
    sleep 3
  done
}

# monitoring_check_metrics: `promtool check metrics` (the exposition format
# and Prometheus' naming conventions) on the /metrics of each service of the
# stack in .local/endpoints.env. Prints "monitoring: promtool_metrics_gateway=ok
# promtool_metrics_worker=ok promtool_metrics_broker_proxy=ok"; the findings
# go to stderr; non-zero when any failed.
monitoring_check_metrics() {
  [[ -f "$LOCAL/endpoints.env" ]] || die "monitoring_check_metrics: no .local/endpoints.env (./dev up first)"
  # shellcheck disable=SC1091 # written by ./dev up
  . "$LOCAL/endpoints.env"
  local broker_proxy_url="${BROKER_PROXY_METRICS_URL:-}" name url body out tokens=() rc=0
  if [[ -z "$broker_proxy_url" && -s "$PORT_DIR/broker_proxy-metrics" ]]; then
    broker_proxy_url="http://127.0.0.1:$(<"$PORT_DIR/broker_proxy-metrics")/metrics"
  fi
  for name in gateway worker broker_proxy; do
    body="" out=""
    case "$name" in
      gateway) url="$GATEWAY_METRICS_URL" ;;
      worker) url="$WORKER_METRICS_URL" ;;
      broker_proxy) url="$broker_proxy_url" ;;
    esac
    if [[ -n "$url" ]] && body="$(curl -fsS --max-time 5 "$url" 2>&1)" &&
      out="$(promtool check metrics <<<"$body" 2>&1)"; then
      tokens+=("promtool_metrics_$name=ok")
    else
      tokens+=("promtool_metrics_$name=fail")
      rc=1
      printf '%s (%s):\n%s\n' "$name" "${url:-no URL}" "${out:-$body}" >&2
    fi
  done
  echo "monitoring: ${tokens[*]}"
  return "$rc"
}

# ---------------------------------------------------------------------------
# ./dev monitoring check|render|live|metrics (need_bin and bin_path come from ./dev).
cmd_monitoring() {
  case "${1:-}" in
    check) monitoring_check ;;
    render) monitoring_render ;;
    live)
      need_bin tools/loadgen/loadgen
      monitoring_live_check "$(bin_path tools/loadgen/loadgen)"
      ;;
    metrics) monitoring_check_metrics ;;
    *) die "monitoring: expected check, render, live or metrics (see ./dev help)" ;;
  esac
}
