#!/usr/bin/env python3
"""Writes results.json, REPORT.md and the PNG plots of one benchmark run.

Usage: make_report.py RUN_DIR [--failed="SUITE ..."] [--check]

RUN_DIR is bench/results/<UTC time>/ as `./dev bench` left it (see
results.py for the files it reads). Prints every `bench NAME: ...` line at
the end. With --check, also verifies the output is well-formed (every
benchmark measured, every figure a PNG, results.json complete) and exits 1
naming what is not; `./dev test` runs `./dev bench --quick` and relies on it.
"""

import argparse
import datetime
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import derive  # noqa: E402
import markdown  # noqa: E402
import plots  # noqa: E402
from results import Run  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def machine():
    cpu_model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu_model = next((line.split(":", 1)[1].strip() for line in f
                              if line.startswith("model name")), cpu_model)
    except OSError:
        pass
    memory_gib = 0.0
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
            memory_gib = kib / (1 << 20)
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "cpu_model": cpu_model, "memory_gib": memory_gib,
            "kernel": platform.release()}


def read_environment(directory):
    path = os.path.join(directory, "environment.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build(directory, failed):
    run = Run(directory)
    environment = read_environment(directory)
    quick = bool(environment.get("quick")) or any(
        (run.first(name, "run") or {}).get("quick") for name in ("gateway", "worker"))
    meta = {"run": os.path.basename(os.path.normpath(directory)), "quick": quick, "failed": failed,
            "machine": machine(), "environment": environment,
            "report_written_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    derived = derive.derive_all(run)
    figures = {"throughput": plots.throughput_vs_size(derived, directory),
               "latency": plots.latency_cdf(run, directory),
               "lag": plots.e2e_lag(derived, directory)}
    results = {"schema": 1, "meta": meta, "benchmarks": derived,
               "targets": [dict(t, benchmark=name) for name, r in derived.items() for t in r["targets"]],
               "lines": [line for r in derived.values() for line in r["lines"]],
               "figures": {k: v for k, v in figures.items() if v},
               "config": {name: run.first(name, kind) for name, kind in
                          (("gateway", "run"), ("worker", "run"), ("kafka_go", "kafka_go_run"))}}
    with open(os.path.join(directory, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, sort_keys=False)
        f.write("\n")
    with open(os.path.join(directory, "REPORT.md"), "w", encoding="utf-8") as f:
        f.write(markdown.render(meta, derived, figures))
    return results


def check(directory, results):
    """What is wrong with the run's output, as a list of one-line problems."""
    problems = []
    for name, result in results["benchmarks"].items():
        if not result.get("measured"):
            problems.append(f"{name}: not measured")
        if not result.get("lines"):
            problems.append(f"{name}: no `bench {name}:` line")
    for name in (plots.THROUGHPUT_PNG, plots.LATENCY_PNG, plots.LAG_PNG):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            problems.append(f"{name}: missing")
            continue
        with open(path, "rb") as f:
            if f.read(8) != PNG_MAGIC:
                problems.append(f"{name}: not a PNG")
    with open(os.path.join(directory, "results.json"), encoding="utf-8") as f:
        json.load(f)  # raises if the file is not JSON
    for line in results["lines"]:
        if not line.startswith("bench ") or ":" not in line:
            problems.append(f"malformed line: {line}")
    if not any("ratio=" in line for line in results["lines"]):
        problems.append("no line carries a ratio=")
    # Issue 16's fields, on the lines that must carry them.
    for prefix, field in (("bench worker: size=", "worker_cpu_s_per_gib="),
                          ("bench worker: size=", "ratio_spread="),
                          ("bench gateway: size=", "ratio_spread="),
                          ("bench gateway: size=", "latency_rate_per_s="),
                          ("bench e2e: size=", "ratio_vs_raw_copy=")):
        for line in results["lines"]:
            if line.startswith(prefix) and field not in line:
                problems.append(f"no {field} on: {line}")
    for t in results["targets"]:
        if t.get("verdict") not in (derive.HELD, derive.MISSED, derive.NOT_MEASURED):
            problems.append(f"target {t.get('name')}: verdict {t.get('verdict')!r}")
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--failed", default="", help="space-separated suites that failed")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the output is well-formed")
    args = parser.parse_args(argv[1:])
    if not os.path.isdir(args.run_dir):
        print(f"make_report.py: no such run directory: {args.run_dir}", file=sys.stderr)
        return 2
    try:
        results = build(args.run_dir, args.failed.split())
    except ValueError as error:  # a malformed JSON line
        print(f"make_report.py: {error}", file=sys.stderr)
        return 1
    print("\n".join(results["lines"]))
    if args.check:
        problems = check(args.run_dir, results)
        if problems:
            for problem in problems:
                print(f"make_report.py --check: {problem}", file=sys.stderr)
            return 1
        print(f"make_report.py --check: well-formed ({len(results['lines'])} bench lines, "
              f"{len(results['figures'])} figures)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
