#!/usr/bin/env python3
"""Counts test cases from a `bazel test` run for `./dev test`.

Usage: test_summary.py BEP_JSON_FILE BAZEL_EXIT_CODE [--bep=NAME:EXIT_CODE:BEP_JSON_FILE ...]
                       [NAME=ok|fail ...]

Reads the build event protocol file (--build_event_json_file) to learn which
test targets the run covered and where each one's test.xml is, then sums the
cases in those JUnit XML files (GoogleTest writes them to $XML_OUTPUT_FILE).

  * passed = tests - failures - errors - disabled - skipped, per XML file;
  * a target without usable XML (did not build, crashed before gtest wrote
    its report, timed out) counts as one failed case;
  * a target Bazel reports as failed whose XML shows no failure (say, a crash
    after the report was written) counts one extra failed case;
  * a non-zero bazel exit with nothing else failed counts one failed case, so
    the summary never reads "0 failed" for a broken run.

Each --bep=NAME:EXIT_CODE:FILE is another bazel test run counted the same
way (./dev test's sanitizer runs: asan, tsan); its failures are listed with
"[NAME] " before the label. The first two arguments may be left out when
--bep is given.

Extra NAME=ok|fail arguments are results of checks run outside Bazel (the
real-client suites of tests/clients/run.sh); each counts as one case.

Failing cases are listed on stderr. The last line on stdout is exactly
"N passed, N failed". Exit status: 0 when nothing failed, 1 otherwise.
"""

import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def read_events(path):
    events = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        events.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a truncated last line after an interrupt
    except FileNotFoundError:
        pass
    return events


def file_from_uri(uri):
    if not uri.startswith("file://"):
        return None
    return urllib.request.url2pathname(urllib.parse.urlparse(uri).path)


def count_xml(path):
    """Returns (passed, failed, failing case names) or None if unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag not in ("testsuites", "testsuite"):
        return None

    def attr(el, name):
        try:
            return int(el.get(name, "0") or 0)
        except ValueError:
            return 0

    totals = root if root.tag == "testsuites" and root.get("tests") else None
    tests = attr(totals, "tests") if totals is not None else sum(attr(s, "tests") for s in suites)
    failed = (
        attr(totals, "failures") + attr(totals, "errors")
        if totals is not None
        else sum(attr(s, "failures") + attr(s, "errors") for s in suites)
    )
    disabled = attr(totals, "disabled") if totals is not None else sum(attr(s, "disabled") for s in suites)
    skipped = sum(attr(s, "skipped") for s in suites)
    names = []
    for suite in suites:
        for case in suite.iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                continue
            name = f"{case.get('classname')}.{case.get('name')}" if case.get("classname") else ""
            detail = " ".join((problem.get("message") or "").split())[:120]
            names.append(": ".join(part for part in (name, detail) if part) or "failed")
    passed = max(tests - failed - disabled - skipped, 0)
    return passed, failed, names


def count_run(bep_path, bazel_rc, prefix=""):
    """Counts one `bazel test` run: (passed, failed, failure lines)."""
    events = read_events(bep_path)

    test_labels = set()
    results = {}  # (label, run, shard) -> (attempt, status, xml path)
    summaries = {}  # label -> overall status
    for ev in events:
        ev_id = ev.get("id", {})
        if "targetConfigured" in ev_id and "testSize" in ev.get("configured", {}):
            test_labels.add(ev_id["targetConfigured"]["label"])
        elif "testResult" in ev_id:
            rid = ev_id["testResult"]
            label = rid["label"]
            test_labels.add(label)
            key = (label, rid.get("run", 1), rid.get("shard", 1))
            attempt = rid.get("attempt", 1)
            result = ev.get("testResult", {})
            xml = None
            for out in result.get("testActionOutput", []):
                if out.get("name") == "test.xml":
                    xml = file_from_uri(out.get("uri", ""))
            if key not in results or attempt >= results[key][0]:
                results[key] = (attempt, result.get("status", "NO_STATUS"), xml)
        elif "testSummary" in ev_id:
            summaries[ev_id["testSummary"]["label"]] = ev.get("testSummary", {}).get(
                "overallStatus", "NO_STATUS"
            )

    passed = failed = 0
    failures = []
    for label in sorted(test_labels):
        runs = [(k, v) for k, v in results.items() if k[0] == label]
        if not runs:
            failed += 1
            failures.append(f"{prefix}{label}: no result ({summaries.get(label, 'did not build or run')})")
            continue
        for (_, run, shard), (_, status, xml) in sorted(runs):
            where = prefix + (label if len(runs) == 1 else f"{label} (run {run}, shard {shard})")
            counted = count_xml(xml) if xml else None
            if counted is None:
                failed += 1
                failures.append(f"{where}: {status}, no test.xml")
                continue
            p, f, names = counted
            passed += p
            failed += f
            failures.extend(f"{where}: {name}" for name in names)
            if f == 0 and status not in ("PASSED", "FLAKY"):
                failed += 1
                failures.append(f"{where}: {status} although every case in test.xml passed")

    if bazel_rc != 0 and failed == 0:
        failed = 1
        failures.append(f"{prefix}bazel test exited with status {bazel_rc} (see its output above)")
    return passed, failed, failures


def main():
    runs = []  # (prefix, bep path, bazel exit status)
    positional = []
    for arg in sys.argv[1:]:
        if arg.startswith("--bep="):
            name, _, rest = arg[len("--bep="):].partition(":")
            rc, _, path = rest.partition(":")
            runs.append((f"[{name}] ", path, int(rc or 1)))
        else:
            positional.append(arg)
    extras = positional
    if not runs or (len(positional) >= 2 and positional[1].lstrip("-").isdigit()):
        runs.insert(0, ("", positional[0], int(positional[1])))
        extras = positional[2:]

    passed = failed = 0
    failures = []
    for prefix, path, rc in runs:
        p, f, lines = count_run(path, rc, prefix)
        passed += p
        failed += f
        failures.extend(lines)

    for extra in extras:
        name, _, verdict = extra.partition("=")
        if verdict == "ok":
            passed += 1
        else:
            failed += 1
            failures.append(f"{name}: {verdict or 'no result'}")

    if failures:
        print("failed:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
    sys.stderr.flush()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
