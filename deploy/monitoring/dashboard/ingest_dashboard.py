#!/usr/bin/env python3
"""The session-ingest Grafana dashboard, generated with grafanalib.

  ingest_dashboard.py                 write ingest.json (next to this file) and
                                      the ConfigMap in deploy/k8s/components/
                                      monitoring/dashboard-configmap.yaml
  ingest_dashboard.py --check         exit 1 if either committed file differs
                                      from what would be written
  ingest_dashboard.py --list          the panels and their expressions
  ingest_dashboard.py --exprs-as-rules
                                      every panel expression as a recording
                                      rule (variables replaced), for
                                      `promtool check rules` to parse
  ingest_dashboard.py --query=URL     run every expression through the
                                      Prometheus at URL; print the series each
                                      returned; exit 1 if a panel returned none

Run it with the venv of deploy/local/prometheus.sh (monitoring_python),
which pins grafanalib. Metric names are the services' own (gateway_metrics.cc,
worker_metrics.cc, broker_proxy_metrics.cc, and prometheus-cpp's process_*).
"""

import argparse
import json
import pathlib
import re
import sys
import urllib.parse
import urllib.request

from grafanalib._gen import DashboardEncoder
from grafanalib.core import (
    Dashboard,
    GridPos,
    RowPanel,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
JSON_OUT = HERE / "ingest.json"
CONFIGMAP_OUT = ROOT / "deploy" / "k8s" / "components" / "monitoring" / "dashboard-configmap.yaml"

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Replacements of the dashboard's variables when an expression runs outside
# Grafana (promtool, the local Prometheus): all namespaces, a 1m rate window.
OUTSIDE_GRAFANA = {"$namespace": ".*", "$__rate_interval": "1m"}

PANEL_WIDTH = 12
PANEL_HEIGHT = 8


def m(metric: str, matchers: str = "") -> str:
    """A selector of METRIC in the dashboard's namespace(s), plus MATCHERS."""
    extra = f",{matchers}" if matchers else ""
    return f'{metric}{{namespace=~"$namespace"{extra}}}'


def rate(metric: str, matchers: str = "") -> str:
    return f"rate({m(metric, matchers)}[$__rate_interval])"


def quantile(q: float, histogram: str, by: str, matchers: str = "") -> str:
    return (f"histogram_quantile({q}, sum by ({by}, le) "
            f"({rate(histogram + '_bucket', matchers)}))")


def target(expr: str, legend: str) -> Target:
    return Target(expr=expr, legendFormat=legend, datasource=DATASOURCE)


def panel(title: str, unit: str, targets: list, description: str = "") -> TimeSeries:
    return TimeSeries(title=title, description=description, unit=unit, targets=targets,
                      dataSource=DATASOURCE, legendDisplayMode="table",
                      legendCalcs=["lastNotNull", "max"], tooltipMode="multi")


SERVICES = 'job=~"gateway|worker|broker-proxy"'
NOT_OK = 'code!="OK"'
P99 = 'stat="p99"'

ROWS = [
    ("Gateway", [
        panel("Gateway throughput by RPC and code", "reqps", [
            target(f"sum by (rpc, code) ({rate('ingest_gateway_requests_total')}) > 0",
                   "{{rpc}} {{code}}"),
        ], "Finished RPCs per second; only RPC/code pairs that occurred."),
        panel("Gateway latency percentiles", "s", [
            target(quantile(0.5, "ingest_gateway_request_duration_seconds", "rpc"), "p50 {{rpc}}"),
            target(quantile(0.9, "ingest_gateway_request_duration_seconds", "rpc"), "p90 {{rpc}}"),
            target(quantile(0.99, "ingest_gateway_request_duration_seconds", "rpc"), "p99 {{rpc}}"),
        ], "From arrival to answer. PushPayloadStream lasts as long as its upload."),
        panel("In-flight bytes", "bytes", [
            target(f"sum by (instance) ({m('ingest_gateway_in_flight_bytes')})", "bytes {{instance}}"),
            target(f"sum by (instance) ({m('ingest_gateway_kafka_queue_bytes')})",
                   "producer queue bytes {{instance}}"),
        ], "Bytes handed to Kafka and not yet acknowledged (budget: --max_inflight_bytes, "
           "256 MiB by default); the producers' local queues."),
        panel("In-flight calls", "short", [
            target(f"sum by (instance) ({m('ingest_gateway_in_flight_requests')})", "calls {{instance}}"),
            target(f"sum by (instance) ({m('ingest_gateway_in_flight_streams')})", "streams {{instance}}"),
        ]),
        panel("Produce latency (record to Kafka acknowledgement)", "s", [
            target(quantile(0.5, "ingest_gateway_produce_duration_seconds", "result"), "p50 {{result}}"),
            target(quantile(0.99, "ingest_gateway_produce_duration_seconds", "result"), "p99 {{result}}"),
        ]),
        panel("Errors by code and refusals by reason", "reqps", [
            target(f"sum by (code) ({rate('ingest_gateway_requests_total', NOT_OK)})", "{{code}}"),
            target(f"sum by (reason) ({rate('ingest_gateway_rejected_total')})", "refused: {{reason}}"),
        ], "Non-OK answers by gRPC code; calls refused before producing by reason."),
        panel("Kafka from the gateways", "s", [
            target(f"max by (broker) ({m('ingest_gateway_kafka_broker_rtt_seconds', P99)})",
                   "RTT p99 {{broker}}"),
            target(f"min by (instance) ({m('ingest_gateway_kafka_reachable')})", "reachable {{instance}}"),
        ], "Broker round-trip time from librdkafka statistics; reachable is 1 or 0."),
    ]),
    ("Worker", [
        panel("Lag per partition", "short", [
            target(f"max by (partition) ({m('ingest_worker_consumer_lag_records')})", "partition {{partition}}"),
        ], "Records in Kafka after the last persisted one."),
        panel("Oldest unprocessed age", "s", [
            target(f"max by (instance) ({m('ingest_worker_oldest_unprocessed_age_seconds')})", "{{instance}}"),
        ], "Age of the oldest record a worker took and has not persisted (0: none)."),
        panel("End-to-end delay (gateway receipt to database commit)", "s", [
            target(quantile(0.5, "ingest_worker_end_to_end_delay_seconds", "job"), "p50"),
            target(quantile(0.99, "ingest_worker_end_to_end_delay_seconds", "job"), "p99"),
        ]),
        panel("Records persisted by type and outcome", "ops", [
            target(f"sum by (type, outcome) ({rate('ingest_worker_records_total')})", "{{type}} {{outcome}}"),
        ]),
        panel("Dead letters and quarantines", "ops", [
            target(f"sum by (reason) ({rate('ingest_worker_dead_letters_total')})", "dead letters: {{reason}}"),
            target(f"sum({rate('ingest_worker_sessions_quarantined_total')})", "sessions quarantined"),
            target(f"sum by (outcome) ({rate('ingest_worker_redrives_total')})", "redrives: {{outcome}}"),
        ]),
        panel("Database retries and paused partitions", "short", [
            target(f"sum by (instance) ({rate('ingest_worker_db_retries_total')})",
                   "retries/s {{instance}}"),
            target(f"sum by (instance) ({m('ingest_worker_paused_partitions')})", "paused {{instance}}"),
            target(f"sum by (instance) ({m('ingest_worker_assigned_partitions')})", "owned {{instance}}"),
        ], "Failed batch writes retried; partitions paused (database retry or back-pressure) "
           "and owned, per worker."),
        panel("Batch duration and transaction phases (p99)", "s", [
            target(quantile(0.99, "ingest_worker_batch_duration_seconds", "instance"), "batch {{instance}}"),
            target(quantile(0.99, "ingest_worker_transaction_phase_seconds", "phase"), "{{phase}}"),
        ]),
        panel("Kafka from the workers (librdkafka)", "s", [
            target(f"max by (client, broker) ({m('ingest_worker_kafka_broker_rtt_seconds', P99)})",
                   "RTT p99 {{client}} {{broker}}"),
        ], "Broker round-trip time of the consumer and the DLQ producer, from librdkafka "
           "statistics (--kafka_statistics_interval)."),
        panel("Held bytes", "bytes", [
            target(f"sum by (instance) ({m('ingest_worker_held_bytes')})", "{{instance}}"),
        ], "Record bytes taken from Kafka and not yet persisted (cap: --max_held_bytes)."),
    ]),
    ("Sessions", [
        panel("Live sessions and the oldest one's idle time", "short", [
            target(f"max({m('ingest_worker_live_sessions')})", "live sessions"),
            target(f"max({m('ingest_worker_oldest_live_session_idle_seconds')})",
                   "oldest live session idle (s)"),
        ], "Sessions not yet completed, and the time since the least recently active one's "
           "last record (alert IngestSessionsStuckLive past 2 h). Every worker reports the "
           "whole database."),
        panel("Sessions completed and reopened, payloads unparsed", "ops", [
            target(f"sum({rate('ingest_worker_sessions_completed_total')})", "completed"),
            target(f"sum({rate('ingest_worker_sessions_reopened_total')})", "reopened"),
            target(f"sum({rate('ingest_worker_payloads_unparsed_total')})", "unparsed (worker)"),
            target(f"sum by (reason) ({rate('ingest_gateway_payloads_unparsed_total')})",
                   "unparsed at the gateway: {{reason}}"),
        ], "Completion after the idle timeout (by the partition's watermark); a later payload "
           "reopens a completed session. Unparsed payloads are stored untouched."),
        panel("Fact extraction at the gateways", "s", [
            target(quantile(0.99, "ingest_gateway_fact_extraction_seconds", "instance"),
                   "p99 {{instance}}"),
            target(f"sum({rate('ingest_gateway_fact_extraction_seconds_sum')}) / "
                   f"(sum({rate('ingest_gateway_fact_extraction_bytes_total')}) / 1073741824)",
                   "seconds per GiB"),
        ], "Time to read a payload's facts from its raw content; seconds spent per GiB read."),
    ]),
    ("Processes", [
        panel("CPU per process", "percentunit", [
            target(f"sum by (job, instance) ({rate('process_cpu_seconds_total', SERVICES)})",
                   "{{job}} {{instance}}"),
        ], "CPU seconds per second (1 = one core)."),
        panel("Resident memory per process", "bytes", [
            target(f"sum by (job, instance) ({m('process_resident_memory_bytes', SERVICES)})",
                   "{{job}} {{instance}}"),
        ]),
        panel("Open file descriptors per process", "short", [
            target(f"sum by (job, instance) ({m('process_open_fds', SERVICES)})", "{{job}} {{instance}}"),
        ]),
        panel("Targets up and broker-proxy calls", "short", [
            target(f"{m('up', SERVICES)}", "up {{job}} {{instance}}"),
            target(f"sum by (rpc, code) ({rate('ingest_broker_proxy_requests_total')})",
                   "broker-proxy {{rpc}} {{code}}/s"),
        ]),
    ]),
]


def layout(rows) -> list:
    """Rows one below the other, two panels per line."""
    panels, y = [], 0
    for title, row_panels in rows:
        panels.append(RowPanel(title=title, gridPos=GridPos(h=1, w=24, x=0, y=y)))
        y += 1
        for i, p in enumerate(row_panels):
            p.gridPos = GridPos(h=PANEL_HEIGHT, w=PANEL_WIDTH, x=(i % 2) * PANEL_WIDTH,
                                y=y + (i // 2) * PANEL_HEIGHT)
            panels.append(p)
        y += ((len(row_panels) + 1) // 2) * PANEL_HEIGHT
    return panels


def dashboard() -> Dashboard:
    return Dashboard(
        title="session-ingest",
        uid="session-ingest",
        description="Gateway, worker and broker-proxy of session-ingest. Generated by "
                    "deploy/monitoring/dashboard/ingest_dashboard.py; do not edit in Grafana.",
        tags=["session-ingest"],
        timezone="utc",
        refresh="30s",
        time=Time("now-1h", "now"),
        templating=Templating(list=[
            Template(name="datasource", label="Data source", type="datasource", query="prometheus",
                     default="Prometheus"),
            Template(name="namespace", label="Namespace", dataSource=DATASOURCE,
                     query="label_values(ingest_gateway_requests_total, namespace)",
                     includeAll=True, multi=True, allValue=".*", default="$__all"),
        ]),
        panels=layout(ROWS),
    ).auto_panel_ids()


def dashboard_json() -> str:
    return json.dumps(dashboard().to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True) + "\n"


def configmap_yaml(dashboard_text: str) -> str:
    body = "".join("    " + line + "\n" for line in dashboard_text.splitlines())
    return (
        "# GENERATED by deploy/monitoring/dashboard/ingest_dashboard.py (the same JSON as\n"
        "# deploy/monitoring/dashboard/ingest.json). Do not edit: ./dev monitoring render\n"
        "# Grafana's dashboard sidecar loads ConfigMaps labelled grafana_dashboard=\"1\".\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: ingest-dashboard\n"
        "  labels:\n"
        "    grafana_dashboard: \"1\"\n"
        "    app.kubernetes.io/name: session-ingest\n"
        "    app.kubernetes.io/component: dashboard\n"
        "    app.kubernetes.io/part-of: session-ingest\n"
        "data:\n"
        "  session-ingest.json: |\n"
        + body
    )


def panel_exprs() -> list[tuple[str, list[str]]]:
    """(panel title, [expression, ...]) for every graph panel, as Grafana has them."""
    out = []
    for p in dashboard().panels:
        if isinstance(p, RowPanel):
            continue
        out.append((p.title, [t.expr for t in p.targets]))
    return out


def outside_grafana(expr: str) -> str:
    for variable, value in OUTSIDE_GRAFANA.items():
        expr = expr.replace(variable, value)
    if "$" in expr:
        raise ValueError(f"unreplaced dashboard variable in {expr!r}")
    return expr


def exprs_as_rules() -> str:
    lines = ["# Every panel expression of the session-ingest dashboard, as recording rules,",
             "# so that `promtool check rules` parses each one.", "groups:",
             "  - name: dashboard-expressions", "    rules:"]
    n = 0
    for title, exprs in panel_exprs():
        for expr in exprs:
            n += 1
            slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
            lines.append(f"      - record: dashboard:{slug}:{n}")
            lines.append(f"        expr: {json.dumps(outside_grafana(expr))}")
    return "\n".join(lines) + "\n"


def query(url: str) -> int:
    empty = []
    for title, exprs in panel_exprs():
        total = 0
        counts = []
        for expr in exprs:
            q = urllib.parse.urlencode({"query": outside_grafana(expr)})
            with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/query?{q}", timeout=10) as r:
                answer = json.load(r)
            if answer.get("status") != "success":
                print(f"panel {title!r}: query failed: {answer}", file=sys.stderr)
                return 1
            counts.append(len(answer["data"]["result"]))
            total += counts[-1]
        detail = "+".join(str(c) for c in counts)
        print(f"panel: {title}: {total} series ({detail})")
        if total == 0:
            empty.append(title)
    if empty:
        print(f"panels without data: {', '.join(empty)}", file=sys.stderr)
    print(f"monitoring: dashboard_exprs={'fail' if empty else 'ok'}")
    return 1 if empty else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--list", action="store_true")
    mode.add_argument("--exprs-as-rules", action="store_true")
    mode.add_argument("--query", metavar="PROMETHEUS_URL")
    args = parser.parse_args()

    if args.list:
        for title, exprs in panel_exprs():
            print(title)
            for expr in exprs:
                print(f"    {expr}")
        return 0
    if args.exprs_as_rules:
        sys.stdout.write(exprs_as_rules())
        return 0
    if args.query:
        return query(args.query)

    text = dashboard_json()
    wanted = {JSON_OUT: text, CONFIGMAP_OUT: configmap_yaml(text)}
    if args.check:
        stale = [p for p, content in wanted.items() if not p.exists() or p.read_text() != content]
        for p in stale:
            print(f"ingest_dashboard: {p.relative_to(ROOT)} is stale or missing: "
                  "run ./dev monitoring render", file=sys.stderr)
        if not stale:
            print(f"ingest_dashboard: {JSON_OUT.relative_to(ROOT)} and {CONFIGMAP_OUT.relative_to(ROOT)} "
                  f"match the generator ({len(panel_exprs())} panels)", file=sys.stderr)
        return 1 if stale else 0
    for p, content in wanted.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        print(f"wrote {p.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
