"""The report's three PNG figures, drawn with matplotlib (Agg, no display).

Each function returns the file name it wrote, or None when the run has
nothing to draw (the report then says so instead of showing an empty plot).
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import matplotlib.ticker  # noqa: E402

from results import number  # noqa: E402

THROUGHPUT_PNG = "throughput_vs_size.png"
LATENCY_PNG = "latency_cdf.png"
LAG_PNG = "e2e_lag.png"


def _save(figure, directory, name):
    figure.tight_layout()
    figure.savefig(os.path.join(directory, name), dpi=110)
    plt.close(figure)
    return name


def throughput_vs_size(derived, directory):
    """MB/s against message size: ours (unary, stream, one 100 MB stream),
    raw librdkafka, and the blog's kafka-go path."""
    ours = [(p["size_bytes"], p["mb_per_s"], p["size"]) for p in derived["size"]["points"]
            if p["mb_per_s"] is not None and p["size_bytes"]]
    raw = [(s["size"], s["raw_mb_per_s"]) for s in derived["gateway"]["sizes"]
           if s["raw_mb_per_s"] is not None]
    kafka_go = []
    for s in derived["blog"]["sizes"]:
        size_bytes = _size_bytes(s["size"])
        if s["kafka_go_msgs_per_s"] is not None:
            kafka_go.append((size_bytes, s["kafka_go_msgs_per_s"] * size_bytes / (1 << 20)))
    if not ours and not raw and not kafka_go:
        return None
    figure, axes = plt.subplots(figsize=(8, 5))
    if ours:
        ours.sort()
        axes.plot([x for x, _, _ in ours], [y for _, y, _ in ours], "o-", label="our gateway (SDK call → Kafka ack)")
        for x, y, label in ours:
            axes.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center",
                          fontsize=8)
    if raw:
        axes.plot([_size_bytes(s) for s, _ in raw], [y for _, y in raw], "s--",
                  label="raw librdkafka producer (same settings)")
    if kafka_go:
        axes.plot([x for x, _ in kafka_go], [y for _, y in kafka_go], "^:",
                  label="blog's path: segmentio/kafka-go")
    axes.set_xscale("log")
    axes.set_yscale("log")
    ticks = sorted({x for x, _, _ in ours} | {_size_bytes(s) for s, _ in raw} | {x for x, _ in kafka_go})
    axes.set_xticks(ticks)
    axes.set_xticklabels([_size_label(t) for t in ticks])
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
    axes.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
    axes.set_xlabel("message size")
    axes.set_ylabel("MB/s acknowledged by Kafka (log)")
    axes.set_title("Throughput vs message size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    return _save(figure, directory, THROUGHPUT_PNG)


def latency_cdf(run, directory):
    """Latency CDF at half of min(gateway max, raw max), one panel per size."""
    panels = []
    for size in ("10KB", "100KB", "1MB"):
        ours = run.gateway_size(size) or {}
        theirs = run.kafka_go_size(size) or {}
        series = [("our gateway", ours.get("gateway_latency_cdf"), number(ours, "gateway_latency_rate_per_s")),
                  ("raw librdkafka", ours.get("raw_latency_cdf"), number(ours, "raw_latency_rate_per_s")),
                  ("kafka-go (blog)", theirs.get("latency_cdf"), number(theirs, "latency_rate_per_s"))]
        series = [s for s in series if s[1]]
        if series:
            panels.append((size, series))
    if not panels:
        return None
    figure, axes_list = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.5), squeeze=False)
    for axes, (size, series) in zip(axes_list[0], panels):
        for label, cdf, rate in series:
            xs = [max(point[0], 0.01) for point in cdf]
            ys = [point[1] for point in cdf]
            axes.step(xs, ys, where="post", label=f"{label} @ {rate:.0f}/s" if rate else label)
        axes.set_xscale("log")
        axes.set_xlabel("latency, ms (log)")
        axes.set_ylabel("fraction of messages")
        axes.set_title(f"{size}: latency CDF at half the slower side's max")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7, loc="lower right")
    return _save(figure, directory, LATENCY_PNG)


def e2e_lag(derived, directory):
    """Consumer lag over each end-to-end step's window; the sustained step bold."""
    steps = [s for s in derived["e2e"]["steps"] if s.get("lag")]
    if not steps:
        return None
    sustained = derived["e2e"]["sustained_msgs_per_s"]
    figure, axes = plt.subplots(figsize=(8, 5))
    for step in steps:
        rate = step.get("rate_per_s") or 0
        bold = sustained is not None and abs(rate - sustained) < 1e-6
        verdict = "bounded" if step.get("bounded") else "unbounded"
        axes.plot([p[0] for p in step["lag"]], [p[1] for p in step["lag"]],
                  linewidth=2.5 if bold else 1.0,
                  label=f"{rate:.0f} msgs/s ({verdict})" + (" ← sustained" if bold else ""))
    warmup = max((s.get("warmup_s") or 0) for s in steps)
    if warmup > 0:
        axes.axvspan(0, warmup, color="grey", alpha=0.15, label="warm-up (not judged)")
    axes.set_xlabel("seconds into the step")
    axes.set_ylabel("consumer lag (records in Kafka not committed in PostgreSQL)")
    axes.set_title("End-to-end: lag over time at each offered rate (100 KB payloads)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _save(figure, directory, LAG_PNG)


def _size_bytes(label):
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    for unit, factor in units.items():
        if label.endswith(unit):
            return float(label[:-len(unit)]) * factor
    return float(label)


def _size_label(size_bytes):
    for unit, factor in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size_bytes >= factor:
            return f"{size_bytes / factor:g}{unit}"
    return f"{size_bytes:g}B"
