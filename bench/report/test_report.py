"""Unit tests of the report generator, on synthetic runs.

Run: /usr/bin/python3 -m unittest discover -s bench/report -p 'test_*.py'
(./dev test does).
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import derive  # noqa: E402
import make_report  # noqa: E402
import query  # noqa: E402
from results import Run, number  # noqa: E402

KB, MB = 1 << 10, 1 << 20
CDF = [[1.0, 0.0], [2.0, 0.5], [4.0, 1.0]]


def gateway_size(size, size_bytes, gateway, raw):
    return {"kind": "size", "size": size, "size_bytes": size_bytes, "ratio": gateway / raw,
            "gateway_msgs_per_s": gateway, "raw_msgs_per_s": raw, "gateway_lanes": 256,
            "gateway_cpu_client_cores": 0.5, "gateway_cpu_gateway_cores": 1.0,
            "gateway_cpu_kafka_cores": 0.5, "raw_cpu_client_cores": 1.0, "raw_cpu_kafka_cores": 0.5,
            "gateway_latency_rate_per_s": min(gateway, raw) / 2,
            "raw_latency_rate_per_s": min(gateway, raw) / 2, "latency_rate_per_s": min(gateway, raw) / 2,
            "runs": 3, "ratio_spread_min": gateway / raw - 0.02, "ratio_spread_max": gateway / raw + 0.03,
            "p99_vs_raw": 2.0,
            "gateway_latency_p50_ms": 5.0, "gateway_latency_p99_ms": 20.0, "raw_latency_p99_ms": 10.0,
            "gateway_latency_cdf": CDF, "raw_latency_cdf": CDF}


FULL_RUN = {
    "gateway.jsonl": [
        {"kind": "run", "quick": False},
        gateway_size("10KB", 10 * KB, 8000.0, 20000.0),
        gateway_size("100KB", 100 * KB, 4000.0, 5000.0),
        gateway_size("1MB", MB, 400.0, 380.0),
        {"kind": "target", "name": "ratio@100KB>=0.95", "verdict": "missed", "detail": "0.80, runs 0.78-0.83"},
    ],
    "gateway.txt": ["bench gateway: size=100KB gateway_msgs_per_s=4000 raw_msgs_per_s=5000 ratio=0.80 "
                    "p50_ms=5 p99_ms=20 raw_p99_ms=10 ratio_spread=0.78-0.83 runs=3 "
                    "latency_rate_per_s=2000 p99_vs_raw=2.00"],
    "worker.jsonl": [
        {"kind": "phase", "size": "100KB", "partitions": 8, "worker_msgs_per_s": 3000.0,
         "raw_copy_msgs_per_s": 10000.0, "ratio": 0.3, "ratio_spread_min": 0.28, "ratio_spread_max": 0.33,
         "runs": 3, "worker_cpu_s_per_gib": 3.8, "worker_cpu_s_per_gib_runs": [3.7, 3.8, 4.0]},
        {"kind": "phase", "size": "100KB", "partitions": 768, "worker_msgs_per_s": 2500.0, "runs": 3,
         "worker_cpu_s_per_gib": 4.1, "base_runs_msgs_per_s": [3000.0, 2900.0, 3100.0]},
        {"kind": "partitions", "partitions": 768, "base_partitions": 8, "size": "100KB",
         "ratio_vs_base": 0.83, "ratio_spread_min": 0.8, "ratio_spread_max": 0.86, "runs": 3},
        {"kind": "target", "name": "ratio@100KB>=0.7", "verdict": "missed", "detail": "0.30, runs 0.28-0.33"},
        {"kind": "target", "name": "worker_cpu_s_per_gib@100KB<=1", "verdict": "missed",
         "detail": "3.80, runs 3.70-4.00"},
    ],
    "worker.txt": ["bench worker: size=100KB worker_msgs_per_s=3000 raw_copy_msgs_per_s=10000 ratio=0.30 "
                   "partitions=8 ratio_spread=0.28-0.33 runs=3 worker_cpu_s_per_gib=3.80",
                   "bench worker: partitions=768 ratio_vs_8=0.83 ratio_spread=0.80-0.86 runs=3"],
    "kafka_go.jsonl": [
        {"kind": "kafka_go_run", "writer": {"balancer": "hash", "batch_size": 1}},
        {"kind": "kafka_go", "size": "100KB", "msgs_per_s": 2000.0, "p99_ms": 40.0,
         "latency_rate_per_s": 2500.0, "lanes": 256, "latency_cdf": CDF},
    ],
    "sizes.jsonl": [
        {"kind": "size", "size": "10MB", "size_bytes": 10 * MB, "transport": "stream", "mb_per_s": 360.0},
        {"kind": "big_stream", "total_bytes": 100 * MB, "mb_per_s": 300.0, "commit_s": 2.0,
         "limit_mb": 400.0, "rss": {"gateway": {"idle_mb": 30, "peak_mb": 60},
                                    "worker": {"idle_mb": 40, "peak_mb": 450}}},
    ],
    "e2e.jsonl": [
        {"kind": "e2e_step", "rate_per_s": 2100.0, "fraction": 0.7, "bounded": True,
         "lag": [[0, 10], [1, 12]]},
        {"kind": "e2e_step", "rate_per_s": 2200.0, "fraction": 0.733, "bounded": False,
         "lag": [[0, 10], [1, 400]]},
        {"kind": "e2e", "sustained_msgs_per_s": 2100.0, "gateway_max_msgs_per_s": 4000.0,
         "worker_max_msgs_per_s": 3000.0, "ratio": 0.7, "unbounded_msgs_per_s": 2200.0,
         "ratio_spread_min": 0.7, "ratio_spread_max": 0.733, "converged": True,
         "raw_copy_msgs_per_s": 10000.0, "ratio_vs_raw_copy": 0.21},
    ],
    "pipeline.txt": ["bench e2e: size=100KB sustained_msgs_per_s=2100 ratio=0.70 ratio_spread=0.70-0.73 "
                     "unbounded_msgs_per_s=2200 converged=yes raw_copy_msgs_per_s=10000 ratio_vs_raw_copy=0.21",
                     "bench failover: session_timeout_s=10 takeover_s=11.5 ratio=1.15"],
    "failover.jsonl": [{"kind": "failover", "session_timeout_s": 10, "takeover_s": 11.5, "ratio": 1.15,
                        "killed_partitions": [1, 2, 3, 4], "restart_s": 1.5, "restart_revocations": 0}],
}


def write_run(directory, files):
    for name, lines in files.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            for line in lines:
                f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


class DeriveTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp()

    def test_full_run_computes_ratios_and_verdicts(self):
        write_run(self.directory, FULL_RUN)
        derived = derive.derive_all(Run(self.directory))
        size = derived["size"]
        self.assertAlmostEqual(size["ratio_10mb_vs_100kb"], 360.0 / (4000.0 * 100 / 1024))
        self.assertAlmostEqual(size["ratio_10kb_vs_100kb"], (8000 * 10) / (4000 * 100))
        verdicts = {t["name"]: t["verdict"] for t in size["targets"]}
        self.assertEqual(verdicts["10MB/100KB>=0.8"], "held")  # 360 / 390.6 MB/s = 0.92
        self.assertEqual(verdicts["10KB/100KB>=0.4"], "missed")  # 0.20
        self.assertEqual(verdicts["peak_rss<=4x_payload(ours)"], "missed")  # the worker's 450 MB > 400
        self.assertEqual(verdicts["peak_rss<=4x_payload(kafka,postgres)"], "not measured")
        blog = derived["blog"]["sizes"][0]
        self.assertEqual(blog["size"], "100KB")
        self.assertAlmostEqual(blog["ratio"], 2.0)
        self.assertEqual(derived["e2e"]["targets"][0]["verdict"], "held")
        self.assertEqual(derived["e2e"]["targets"][1],
                         {"name": "ratio_vs_raw_copy>=0.5", "verdict": "missed", "detail": "0.21"})
        self.assertEqual(derived["e2e"]["unbounded_msgs_per_s"], 2200.0)
        self.assertTrue(derived["e2e"]["converged"])
        self.assertEqual(derived["failover"]["targets"][0]["verdict"], "held")
        gateway = {s["size"]: s for s in derived["gateway"]["sizes"]}
        # 2 cores at 4000 x 100 KiB/s = 0.381 GiB/s: 5.24 CPU-s per GiB.
        self.assertAlmostEqual(gateway["100KB"]["gateway_cpu_s_per_gb"], 2.0 / (4000 * 100 / (1 << 20)))

    def test_new_fields_of_issue_16(self):
        write_run(self.directory, FULL_RUN)
        derived = derive.derive_all(Run(self.directory))
        gateway = {s["size"]: s for s in derived["gateway"]["sizes"]}
        self.assertEqual(gateway["10KB"]["latency_rate_per_s"], 4000.0)  # half of min(8000, 20000)
        self.assertEqual(gateway["100KB"]["runs"], 3)
        self.assertAlmostEqual(gateway["100KB"]["ratio_spread_min"], 0.78)
        self.assertEqual(gateway["100KB"]["p99_vs_raw"], 2.0)
        worker = derived["worker"]
        self.assertEqual(worker["worker_cpu_s_per_gib"], {"100KB": 3.8})
        self.assertEqual(worker["partitions_ratio"], 0.83)
        self.assertEqual({t["name"] for t in worker["targets"]},
                         {"ratio@100KB>=0.7", "worker_cpu_s_per_gib@100KB<=1"})
        self.assertEqual(derive.spread_text(0.71, 0.78), "0.71-0.78")
        self.assertEqual(derive.spread_text(None, 0.78), "n/a")

    def test_missing_suites_are_not_measured(self):
        write_run(self.directory, {"gateway.jsonl": FULL_RUN["gateway.jsonl"]})
        derived = derive.derive_all(Run(self.directory))
        self.assertFalse(derived["e2e"]["measured"])
        self.assertEqual(derived["e2e"]["targets"][0]["verdict"], "not measured")
        self.assertEqual({t["verdict"] for t in derived["failover"]["targets"]}, {"not measured"})
        self.assertFalse(derived["blog"]["measured"])

    def test_targets_line_marks_misses(self):
        line = derive.targets_line("x", [derive.target("a>=1", 0.5, 1.0), derive.target("b<=1", 0.5, 1.0,
                                                                                         at_least=False)])
        self.assertEqual(line, "bench x: targets a>=1 MISSED (0.50); b<=1 held (0.50)")

    def test_sig_prints_three_significant_digits(self):
        self.assertEqual(derive.sig(1234.5), "1234")
        self.assertEqual(derive.sig(0.012345), "0.0123")
        self.assertEqual(derive.sig(None), "n/a")


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp()

    def test_full_run_is_well_formed(self):
        write_run(self.directory, FULL_RUN)
        results = make_report.build(self.directory, failed=[])
        self.assertEqual(make_report.check(self.directory, results), [])
        with open(os.path.join(self.directory, "REPORT.md"), encoding="utf-8") as f:
            report = f.read()
        for png in ("throughput_vs_size.png", "latency_cdf.png", "e2e_lag.png"):
            self.assertIn(f"]({png})", report)
        self.assertIn("| 100KB | 8 | None | 3000 | 10000 | 0.30 | 0.28-0.33 | 3 | not measured | 3.8 |", report)
        self.assertIn("768 ÷ 8 partitions at 100KB: **0.83** (spread 0.80-0.86 over 3 interleaved pairs", report)
        self.assertIn("**ratio 0.21** (target ≥ 0.5)", report)
        self.assertIn("narrowed them to within 5 %", report)
        with open(os.path.join(self.directory, "results.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["benchmarks"]["e2e"]["ratio"], 0.7)

    def test_check_names_what_is_missing(self):
        write_run(self.directory, {"gateway.jsonl": FULL_RUN["gateway.jsonl"]})
        results = make_report.build(self.directory, failed=["worker", "pipeline"])
        problems = make_report.check(self.directory, results)
        self.assertIn("worker: not measured", problems)
        self.assertIn("e2e_lag.png: missing", problems)
        with open(os.path.join(self.directory, "REPORT.md"), encoding="utf-8") as f:
            self.assertIn("**failed** in this run: worker, pipeline", f.read())

    def test_check_wants_the_new_fields_on_the_bench_lines(self):
        files = dict(FULL_RUN)
        files["worker.txt"] = ["bench worker: size=100KB worker_msgs_per_s=3000 raw_copy_msgs_per_s=10000 "
                               "ratio=0.30 partitions=8"]
        write_run(self.directory, files)
        results = make_report.build(self.directory, failed=[])
        problems = make_report.check(self.directory, results)
        self.assertIn("no worker_cpu_s_per_gib= on: " + files["worker.txt"][0], problems)
        self.assertIn("no ratio_spread= on: " + files["worker.txt"][0], problems)

    def test_malformed_json_line_is_an_error(self):
        write_run(self.directory, {"gateway.jsonl": ['{"kind": "size"', ]})
        with self.assertRaises(ValueError):
            make_report.build(self.directory, failed=[])


class QueryTest(unittest.TestCase):
    def test_values_for_the_orchestrator(self):
        directory = tempfile.mkdtemp()
        write_run(directory, FULL_RUN)
        run = Run(directory)
        self.assertEqual(query.query(run, "gateway_max", "100KB"), 4000.0)
        self.assertEqual(query.query(run, "gateway_lanes", "1MB"), 256.0)
        self.assertEqual(query.query(run, "worker_max", "100KB"), 3000.0)
        self.assertEqual(query.query(run, "e2e_sustained"), 2100.0)
        self.assertEqual(query.query(run, "raw_copy_max", "100KB"), 10000.0)
        self.assertEqual(query.query(run, "gateway_latency_rate", "10KB"), 4000.0)
        self.assertIsNone(query.query(run, "worker_max", "1MB"))


class NumberTest(unittest.TestCase):
    def test_protobuf_json_int64_strings_are_numbers(self):
        self.assertEqual(number({"acked": "12345"}, "acked"), 12345.0)
        self.assertEqual(number({"ratio": 0.5}, "ratio"), 0.5)
        self.assertIsNone(number({"size": "10KB"}, "size"))
        self.assertIsNone(number({"held": True}, "held"))


if __name__ == "__main__":
    unittest.main()
