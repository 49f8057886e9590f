"""Reads one benchmark run's directory (bench/results/<UTC time>/).

Every suite appends JSON Lines files there, one object per line, each with a
"kind"; see bench/README.md for their fields:

  gateway.jsonl   bench/gateway/gateway_bench      run, stream, size, target
  worker.jsonl    bench/worker/worker_bench run, phase, target
  kafka_go.jsonl  bench/baselines/kafka-go-producer  kafka_go_run, kafka_go
  sizes.jsonl     bench/e2e --mode=sizes   size, big_stream
  e2e.jsonl       bench/e2e --mode=e2e     e2e_step, e2e
  failover.jsonl  bench/e2e --mode=failover  failover

and the stdout lines of each suite in gateway.txt, worker.txt, pipeline.txt.
A run that stopped early leaves some files out: everything here treats a
missing file or record as "not measured".
"""

import json
import os

SUITE_FILES = ("gateway", "worker", "kafka_go", "sizes", "e2e", "failover")
LINE_FILES = ("gateway.txt", "worker.txt", "pipeline.txt")


class Run:
    """The records of one run, by file and kind."""

    def __init__(self, directory):
        self.directory = directory
        self.records = {name: read_jsonl(os.path.join(directory, name + ".jsonl"))
                        for name in SUITE_FILES}
        self.lines = read_bench_lines(directory)

    def of(self, name, kind):
        return [r for r in self.records.get(name, []) if r.get("kind") == kind]

    def first(self, name, kind):
        found = self.of(name, kind)
        return found[0] if found else None

    def last(self, name, kind):
        found = self.of(name, kind)
        return found[-1] if found else None

    def gateway_size(self, size):
        """gateway_bench's record of one size ("100KB"), or None."""
        return next((r for r in self.of("gateway", "size") if r.get("size") == size), None)

    def worker_phase(self, size, partitions=8):
        return next((r for r in self.of("worker", "phase")
                     if r.get("size") == size and r.get("partitions") == partitions), None)

    def kafka_go_size(self, size):
        return next((r for r in self.of("kafka_go", "kafka_go") if r.get("size") == size), None)

    def stream_size(self, size):
        return next((r for r in self.of("sizes", "size") if r.get("size") == size), None)

    def bench_lines(self, name):
        """The suites' own `bench NAME: ...` stdout lines, in order."""
        return [line for line in self.lines if line.startswith(f"bench {name}:")]


def read_bench_lines(directory):
    """Every `bench ...` stdout line of the suites, in order."""
    lines = []
    for name in LINE_FILES:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines += [line.rstrip("\n") for line in f if line.startswith("bench ")]
    return lines


def read_jsonl(path):
    records = []
    if not os.path.exists(path):
        return records
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error})") from error
    return records


def number(record, key):
    """record[key] as a float, or None when the record or value is missing.

    Results are protobuf messages printed as JSON, where int64 fields are
    strings ("12345"), as proto3's JSON mapping says; those count as numbers.
    """
    if record is None:
        return None
    value = record.get(key)
    if isinstance(value, str):
        try:
            return float(int(value))
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
