#!/usr/bin/env python3
"""Checks of the alert rules beyond `promtool test rules`:

  documented  every alert has a severity (critical, warning or info), a
              summary, a description and a runbook_url
              deploy/k8s/RUNBOOK.md#<alert name in lower case>, and
              RUNBOOK.md has that section ("## <AlertName>").
  mutation    the unit tests really cover every alert: for each alert the
              tests must FAIL once its expression is replaced by one that
              always fires (vector(1): a silent case catches it) and once by
              one that never fires (vector(0) > 1: a firing case catches it).

Prints "alerts_documented=ok|fail alerts_mutation=ok|fail" on stdout and the
details on stderr; exits 1 if either failed. Needs promtool on PATH.
"""

import argparse
import concurrent.futures
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULES = HERE / "rules" / "ingest-alerts.yml"
TESTS = HERE / "tests" / "ingest-alerts.test.yml"
RUNBOOK = ROOT / "deploy" / "k8s" / "RUNBOOK.md"
SEVERITIES = {"critical", "warning", "info"}


def alerts(rules: dict) -> list[dict]:
    return [r for g in rules["groups"] for r in g["rules"] if "alert" in r]


def check_documented(rules: dict) -> list[str]:
    problems = []
    headings = set(re.findall(r"^## (\S+)\s*$", RUNBOOK.read_text(), re.M)) if RUNBOOK.exists() else set()
    for rule in alerts(rules):
        name = rule["alert"]
        severity = rule.get("labels", {}).get("severity")
        if severity not in SEVERITIES:
            problems.append(f"{name}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            if not str(annotations.get(key, "")).strip():
                problems.append(f"{name}: no {key} annotation")
        want = f"deploy/k8s/RUNBOOK.md#{name.lower()}"
        if annotations.get("runbook_url") != want:
            problems.append(f"{name}: runbook_url is {annotations.get('runbook_url')!r}, want {want!r}")
        if name not in headings:
            problems.append(f"{name}: no section '## {name}' in {RUNBOOK.relative_to(ROOT)}")
    return problems


def run_tests(rules: dict, workdir: pathlib.Path) -> subprocess.CompletedProcess:
    """Runs the unit tests against RULES replaced by `rules`, in a copy of the
    rules/ and tests/ layout (the test file names ../rules/ingest-alerts.yml)."""
    (workdir / "rules").mkdir(exist_ok=True)
    (workdir / "tests").mkdir(exist_ok=True)
    (workdir / "rules" / RULES.name).write_text(yaml.safe_dump(rules, sort_keys=False))
    shutil.copy(TESTS, workdir / "tests" / TESTS.name)
    return subprocess.run(["promtool", "test", "rules", str(workdir / "tests" / TESTS.name)],
                          capture_output=True, text=True)


def check_mutations(rules: dict) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        baseline = run_tests(rules, pathlib.Path(tmp))
        if baseline.returncode != 0:
            return ["the unit tests fail on the unmodified rules:\n" + baseline.stdout + baseline.stderr]
    mutations = []
    for group_index, group in enumerate(rules["groups"]):
        for rule_index, rule in enumerate(group["rules"]):
            if "alert" not in rule:
                continue
            for label, expr in (("always fires", "vector(1)"), ("never fires", "vector(0) > 1")):
                mutated = yaml.safe_load(yaml.safe_dump(rules))
                mutated["groups"][group_index]["rules"][rule_index]["expr"] = expr
                mutations.append((rule["alert"], label, expr, mutated))

    def survives(mutation) -> str | None:
        name, label, expr, mutated = mutation
        with tempfile.TemporaryDirectory() as tmp:
            if run_tests(mutated, pathlib.Path(tmp)).returncode == 0:
                return f"{name}: the tests still pass when it {label} (expr: {expr}); add a case that catches it"
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return [p for p in pool.map(survives, mutations) if p]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    rules = yaml.safe_load(RULES.read_text())
    verdicts = []
    for name, check in (("alerts_documented", check_documented), ("alerts_mutation", check_mutations)):
        problems = check(rules)
        for problem in problems:
            print(f"check_alerts: {name}: {problem}", file=sys.stderr)
        verdicts.append(f"{name}={'fail' if problems else 'ok'}")
    print(f"check_alerts: {len(alerts(rules))} alerts checked", file=sys.stderr)
    print(" ".join(verdicts))
    return 1 if any(v.endswith("=fail") for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
