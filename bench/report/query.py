#!/usr/bin/env python3
"""Prints one number measured earlier in a benchmark run, for ./dev bench.

Usage: query.py RUN_DIR NAME [SIZE]

  gateway_max SIZE           gateway_bench's maximum msgs/s at SIZE
  gateway_lanes SIZE         the concurrent calls it used there
  gateway_latency_rate SIZE  the rate (msgs/s) of its latency phase there
  worker_max SIZE            worker_bench's msgs/s at SIZE, 8 partitions
  raw_copy_max SIZE          its raw COPY msgs/s at SIZE
  e2e_sustained              the end-to-end sustained msgs/s

Prints nothing (and exits 0) when the run did not measure it.
"""

import sys

from results import Run, number


def query(run, name, size=None):
    if name == "gateway_max":
        return number(run.gateway_size(size), "gateway_msgs_per_s")
    if name == "gateway_lanes":
        return number(run.gateway_size(size), "gateway_lanes")
    if name == "gateway_latency_rate":
        return number(run.gateway_size(size), "gateway_latency_rate_per_s")
    if name == "worker_max":
        return number(run.worker_phase(size), "worker_msgs_per_s")
    if name == "raw_copy_max":
        return number(run.worker_phase(size), "raw_copy_msgs_per_s")
    if name == "e2e_sustained":
        return number(run.last("e2e", "e2e"), "sustained_msgs_per_s")
    raise KeyError(name)


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    try:
        value = query(Run(argv[1]), argv[2], argv[3] if len(argv) == 4 else None)
    except KeyError:
        sys.stderr.write(f"query.py: unknown name {argv[2]}\n")
        return 2
    if value is not None and value > 0:
        print(f"{value:.3f}".rstrip("0").rstrip("."))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
