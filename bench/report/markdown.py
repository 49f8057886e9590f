"""REPORT.md: what one run measured, figure by figure.

Every number in the report comes from the run's records (via derive.py);
the prose around them only names configuration. A value the run did not
measure prints as "not measured".
"""

import json

from derive import sig, ratio_text, spread_text, NOT_MEASURED


def cell(value, digits=3):
    """A measured number, or "not measured" for None."""
    return "not measured" if value is None else sig(value, digits)


def cores(value):
    """CPU cores; the benchmarks write -1 when they could not read them."""
    return cell(None if value is None or value < 0 else value)


def runs_text(value):
    """How many runs a median was taken over."""
    return "not measured" if value is None else f"{value:g}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def verdict_text(verdict):
    return {"held": "held", "missed": "**MISSED**"}.get(verdict, verdict or NOT_MEASURED)


def figure(name, text):
    if name is None:
        return f"_No figure: {text}_"
    return f"![{name}]({name})\n\n{text}"


def render(meta, derived, figures):
    sections = [header(meta), targets_section(derived), lines_section(derived),
                gateway_section(derived["gateway"]), worker_section(derived["worker"]),
                e2e_section(derived["e2e"], figures.get("lag")),
                size_section(derived["size"], figures.get("throughput")),
                blog_section(derived["blog"], figures.get("latency")),
                failover_section(derived["failover"]), files_section()]
    return "\n\n".join(sections) + "\n"


def header(meta):
    machine = meta["machine"]
    env = meta.get("environment", {})
    quick = ("\n\n> **--quick run**: phases of a second or two and tiny payload pools keep the "
             "harness alive; these numbers are noise, not measurements to quote.") if meta["quick"] else ""
    failed = (f"\n\n> Suites that **failed** in this run: {', '.join(meta['failed'])}. What they "
              "would have measured reads \"not measured\" below.") if meta["failed"] else ""
    return f"""# session-ingest benchmark report — {meta['run']}

Run `{meta['run']}` of `./dev bench{' --quick' if meta['quick'] else ''}`, commit `{env.get('commit', 'unknown')}`.{quick}{failed}

**Machine**: {machine['cores']} CPU cores ({machine['cpu_model']}), {machine['memory_gib']:.1f} GiB memory, Linux {machine['kernel']}. The load generator, the gateway, the worker, Apache Kafka and PostgreSQL all run on this one machine and share its cores: every ratio below is a lower bound of what each part achieves with cores of its own.

**Configuration**: Apache Kafka {env.get('kafka_version', '?')} in KRaft mode, one node, topics of {env.get('kafka_partitions', '?')} partitions (768 in the worker's partition phase); PostgreSQL {env.get('postgres_version', '?')} with fsync on, a fresh cluster per suite; producer settings of the gateway and the raw side: `acks=all`, idempotence, zstd, linger 5 ms; the gateway's per-project token bucket lifted (policy, not cost); the worker with its defaults (`./dev up`'s). Each suite starts its own fresh stack on 127.0.0.1 (bench/README.md)."""


def targets_section(derived):
    rows = []
    for name, result in derived.items():
        for t in result["targets"]:
            rows.append([name, f"`{t['name']}`", verdict_text(t["verdict"]), t.get("detail") or ""])
    return "## Targets\n\n" + table(["benchmark", "target", "verdict", "measured"], rows)


def lines_section(derived):
    lines = [line for result in derived.values() for line in result["lines"]]
    return "## The `bench` lines\n\n```\n" + "\n".join(lines) + "\n```"


def gateway_section(g):
    if not g["measured"]:
        return "## 1. Gateway vs raw librdkafka\n\nNot measured in this run."
    rows = [[s["size"], cell(s["gateway_msgs_per_s"]), cell(s["raw_msgs_per_s"]), ratio_text(s["ratio"]),
             spread_text(s["ratio_spread_min"], s["ratio_spread_max"]), runs_text(s["runs"]),
             cell(s["latency_rate_per_s"]),
             cell(s["gateway_p50_ms"]), cell(s["gateway_p99_ms"]), cell(s["raw_p99_ms"]),
             cell(s["gateway_cpu_s_per_gb"]), cell(s["gateway_process_cpu_s_per_gb"]),
             cell(s["raw_cpu_s_per_gb"])] for s in g["sizes"]]
    stream = g["stream"]
    stream_text = (f"\n\nOne {cell(stream.get('total_bytes', 0) / (1 << 20))} MB payload streamed through "
                   f"`PushPayloadStream` grew the gateway's RSS by {cell(stream.get('rss_growth_mb'))} MB "
                   f"(idle {cell(stream.get('idle_rss_mb'))} MB, peak {cell(stream.get('peak_rss_mb'))} MB).") if stream else ""
    return ("## 1. Gateway vs raw librdkafka\n\n"
            "Maximum throughput (closed loop) of `PushPayload` through the gateway against a raw librdkafka "
            "producer with the same settings on the same broker, each side's maximum measured several times "
            "interleaved (raw, gateway, raw, gateway, ...): msgs/s are each side's median run, the ratio the "
            "median of the per-pair ratios with their spread. Latency at half of min(gateway max, raw max), "
            "a rate both sides sustain, for both (open loop, from each message's due time), and "
            "CPU-seconds per GiB of payload: for the gateway side the "
            "client, the gateway and the broker together (and the gateway process alone), for the raw side "
            "the producer and the broker.\n\n"
            + table(["size", "gateway msgs/s", "raw msgs/s", "ratio", "ratio spread", "runs",
                     "latency rate /s", "p50 ms", "p99 ms", "raw p99 ms",
                     "gateway CPU-s/GiB", "gateway process CPU-s/GiB", "raw CPU-s/GiB"], rows) + stream_text)


def worker_section(w):
    if not w["measured"]:
        return "## 2. Worker vs raw COPY\n\nNot measured in this run."
    rows = [[p.get("size"), p.get("partitions"), p.get("records"), cell(p.get("worker_msgs_per_s")),
             cell(p.get("raw_copy_msgs_per_s")), ratio_text(p.get("ratio")),
             spread_text(p.get("ratio_spread_min"), p.get("ratio_spread_max")), runs_text(p.get("runs")),
             cores(p.get("worker_cpu_worker_cores")), cell(p.get("worker_cpu_s_per_gib"))]
            for p in w["phases"]]
    partitions = w.get("partitions")
    partitions_text = ""
    if partitions:
        partitions_text = (f"\n\n{partitions.get('partitions')} ÷ {partitions.get('base_partitions')} partitions "
                           f"at {partitions.get('size')}: **{ratio_text(partitions.get('ratio_vs_base'))}** "
                           f"(spread {spread_text(partitions.get('ratio_spread_min'), partitions.get('ratio_spread_max'))} "
                           f"over {runs_text(partitions.get('runs'))} interleaved pairs; target ≥ 0.8).")
    return ("## 2. Worker vs raw COPY\n\n"
            "Records per second the worker commits to PostgreSQL from a pre-filled topic, against one "
            "client's binary `COPY` of the same rows in transactions as large as the worker's; then the "
            "worker at 768 partitions against 8. Each phase runs several times interleaved (worker, COPY, "
            "worker, ...; at 768 partitions each run is paired with a fresh drain of the 8-partition topic): "
            "msgs/s are the median run, ratios the median of the per-pair ratios with their spread. "
            "Worker CPU-s/GiB: the worker process's CPU time (user + sys) over the measured window ÷ GiB "
            "of payload (raw content) it persisted in it, the median over the runs (target ≤ 1.0 at "
            "100KB).\n\n"
            + table(["size", "partitions", "records", "worker msgs/s", "raw COPY msgs/s", "ratio",
                     "ratio spread", "runs", "worker cores", "worker CPU-s/GiB"], rows) + partitions_text)


def e2e_section(e, lag_png):
    if not e["measured"]:
        return "## 3. End-to-end\n\nNot measured in this run (it needs the gateway's and the worker's maximum from the same run)."
    rows = [[cell(s.get("rate_per_s")), ratio_text(s.get("fraction")), cell(s.get("achieved_per_s")),
             cell(s.get("lag_slope_per_s")), cell(s.get("max_lag")), cell(s.get("final_lag")),
             "yes" if s.get("bounded") else "no", s.get("reason", "")] for s in e["steps"]]
    return ("## 3. End-to-end: SDK call to PostgreSQL commit\n\n"
            f"The highest offered rate of 100 KB payloads at which consumer lag stayed bounded over the "
            f"window was **{cell(e['sustained_msgs_per_s'])} msgs/s**; min(gateway max "
            f"{cell(e['gateway_max_msgs_per_s'])}, worker max {cell(e['worker_max_msgs_per_s'])}) gives "
            f"**ratio {ratio_text(e['ratio'])}** (target ≥ 0.7); the lowest unbounded rate tried was "
            f"{cell(e['unbounded_msgs_per_s'])} msgs/s (ratios {spread_text(e['ratio_spread_min'], e['ratio_spread_max'])}; "
            f"the bisection {'narrowed them to within 5 %' if e['converged'] else 'did **not** narrow them to within 5 %'}). "
            f"Against the raw COPY rate of the same run ({cell(e['raw_copy_msgs_per_s'])} msgs/s): "
            f"**ratio {ratio_text(e['ratio_vs_raw_copy'])}** (target ≥ 0.5). Steps tried, in order:\n\n"
            + table(["offered msgs/s", "of min", "achieved msgs/s", "lag slope /s", "max lag", "final lag",
                     "bounded", "why"], rows) + "\n\n"
            + figure(lag_png, "Lag (records in Kafka not yet committed to PostgreSQL) over each step's window: "
                     "a bounded step stays flat or saw-toothed around the worker's batch size; an unbounded one climbs."))


def size_section(s, throughput_png):
    if not s["measured"]:
        return "## 4. Message size scaling\n\nNot measured in this run."
    rows = [[p["size"], p["transport"], cell(p["mb_per_s"])] for p in s["points"]]
    big = s["big_stream"] or {}
    rss = big.get("rss") or {}
    rss_rows = [[name, cell(values.get("idle_mb")), cell(values.get("peak_mb"))]
                for name, values in sorted(rss.items()) if isinstance(values, dict)]
    rss_text = ""
    if rss_rows:
        rss_text = (f"\n\nPeak RSS while one {cell(big.get('total_bytes', 0) / (1 << 20))} MB payload went from the "
                    f"SDK call to its PostgreSQL commit ({cell(big.get('commit_s'))} s; limit 4 × its size = "
                    f"{cell(big.get('limit_mb'))} MB):\n\n" + table(["process", "idle MB", "peak MB"], rss_rows)
                    + "\n\n" + rss_notes(rss))
    return ("## 4. Message size scaling\n\n"
            "MB/s acknowledged by Kafka through the gateway: 10 KB to 1 MB as unary `PushPayload` (from "
            "section 1), 10 MB through `PushPayloadStream` (the unary call is capped at 8 MB), and one 100 MB "
            f"streamed payload. 10 MB ÷ 100 KB = **{ratio_text(s['ratio_10mb_vs_100kb'])}** (target ≥ 0.8), "
            f"10 KB ÷ 100 KB = **{ratio_text(s['ratio_10kb_vs_100kb'])}** (target ≥ 0.4).\n\n"
            + table(["size", "transport", "MB/s"], rows) + rss_text + "\n\n"
            + figure(throughput_png, "Throughput against message size, log-log: our gateway, the raw librdkafka "
                     "producer and the blog's kafka-go path, each where this run measured it."))


def rss_notes(rss):
    """What the RSS table needs to be read right, from its own numbers."""
    notes = ["\"Idle\" is read just before the payload, after the 10 MB phase: what a process keeps "
             "from earlier load counts as idle. `postgres_max` is PostgreSQL's largest process; "
             "`postgres_sum` adds every backend and counts the shared buffers once per process, so it "
             "is shown but not judged."]
    kafka = rss.get("kafka") or {}
    idle, peak = kafka.get("idle_mb"), kafka.get("peak_mb")
    if idle is not None and peak is not None:
        notes.append(f"Kafka's broker grew by {cell(peak - idle)} MB while the payload went through "
                     f"(idle {cell(idle)} MB): its RSS is the JVM's configured heap (`KAFKA_HEAP` in "
                     "deploy/local/kafka.sh), not the payload.")
    return " ".join(notes)


def blog_section(b, latency_png):
    if not b["measured"]:
        return "## 5. The blog's producer path (segmentio/kafka-go)\n\nNot measured in this run."
    writer = b.get("writer") or {}
    rows = [[s["size"], cell(s["gateway_msgs_per_s"]), cell(s["kafka_go_msgs_per_s"]), ratio_text(s["ratio"]),
             cell(s["gateway_p99_ms"]), cell(s["kafka_go_p99_ms"]), cell(s["kafka_go_latency_rate_per_s"]),
             cell(s["kafka_go_cpu_s_per_gb"])] for s in b["sizes"]]
    settings = ", ".join(f"`{k}={json.dumps(v)}`" for k, v in writer.items())
    return ("## 5. The blog's producer path (segmentio/kafka-go)\n\n"
            "`bench/baselines/kafka-go-producer` sends the very records of section 1's raw side through "
            f"kafka-go's `Writer` with the blog team's settings ({settings}) from as many goroutines as "
            "the gateway had concurrent calls; it has no RPC hop in front, so it pays less than our "
            "gateway per message. Ratio = our gateway's msgs/s ÷ kafka-go's; p99 of both at the rate of "
            "section 1's latency phase.\n\n"
            + table(["size", "gateway msgs/s", "kafka-go msgs/s", "ratio", "gateway p99 ms", "kafka-go p99 ms",
                     "latency rate /s", "kafka-go CPU-s/GiB"], rows) + "\n\n"
            + figure(latency_png, "Latency CDF at half of min(gateway max, raw max), per size: how long each "
                     "message took from its due time to Kafka's acknowledgement, for our gateway, the raw "
                     "producer and kafka-go."))


def failover_section(f):
    r = f["record"]
    if r is None:
        return "## 6. Failover\n\nNot measured in this run."
    return ("## 6. Failover\n\n"
            f"Two workers, static members, session timeout {cell(r.get('session_timeout_s'))} s, under "
            f"{cell(r.get('rate_per_s'))} msgs/s of 100 KB payloads. After SIGKILL of one, its "
            f"{len(r.get('killed_partitions') or [])} partitions were consumed again after "
            f"**{cell(r.get('takeover_s'))} s**, {ratio_text(r.get('ratio'))} × the session timeout "
            f"(target ≤ 1.3). A clean SIGTERM and immediate restart of the same member took "
            f"{cell(r.get('restart_s'))} s until its partitions were consumed again, with "
            f"{cell(r.get('restart_revocations'))} revocations in the group.")


def files_section():
    return ("## Files\n\n`results.json` holds every number above and each suite's records; the suites' raw "
            "JSON Lines are beside it (`gateway.jsonl`, `worker.jsonl`, `kafka_go.jsonl`, `sizes.jsonl`, "
            "`e2e.jsonl`, `failover.jsonl`). How each benchmark measures: bench/README.md.")
