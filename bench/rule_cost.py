"""The worst case for caveat's own rules: every rule fixture joined into one module and
checked as a single whole-file context (every scope in one block), timed against bandit's
whole-file in-process run on the same text, in the same run.

    python bench/rule_cost.py [--runs 5]

Prints, per rule, the median time, and the ratio of all caveat rules to bandit. This used
to be a timed test (`test_rules_are_fast_on_a_large_module`), which failed whenever the
shared machine was loaded; a ratio against a peer measured in the same run does not.
"""
from __future__ import annotations

import argparse
import ast
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from latency import bandit_in_process

from caveat.rules import caveat_rules
from caveat.rules.base import RuleContext


def big_module() -> str:
    fixtures = ROOT / "tests" / "fixtures" / "rules"
    parts = []
    for path in sorted(fixtures.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        parts.append(text)
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = big_module()
    tree = ast.parse(text)
    rules = [rule() for rule in caveat_rules()]
    per_rule: dict[str, list[float]] = {rule.code: [] for rule in rules}
    totals = []
    for _ in range(args.runs):
        total = 0.0
        for rule in rules:
            ctx = RuleContext(tree, text, {}, {}, "big.py")
            start = time.perf_counter()
            rule.check(ctx)
            took = time.perf_counter() - start
            per_rule[rule.code].append(took)
            total += took
        totals.append(total)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.py"
        path.write_text(text, encoding="utf-8")
        bandit_ms = bandit_in_process(path, args.runs)["bandit_inproc_ms"]
    lines = text.count("\n") + 1
    caveat_ms = statistics.median(totals) * 1000
    print(f"{lines} lines, {len(rules)} caveat rules, medians of {args.runs} runs")
    for code, times in sorted(per_rule.items(), key=lambda kv: -statistics.median(kv[1]))[:15]:
        print(f"  {code}: {statistics.median(times) * 1000:7.1f} ms")
    print(f"caveat rules, whole file: {caveat_ms:.0f} ms; bandit in process, whole file: {bandit_ms:.0f} ms; "
          f"ratio {caveat_ms / bandit_ms:.2f}")


if __name__ == "__main__":
    main()
