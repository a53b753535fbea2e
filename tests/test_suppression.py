"""Suppressions written for bandit keep working when a caveat rule reports the defect instead."""
from caveat.engine.analyzer import Engine
from caveat.project import Settings

LINES = [
    "import requests",
    "def fetch(url):",
    "    a = requests.get(url, verify=False, timeout=3)",
    "    b = requests.get(url, verify=False, timeout=3)  # caveat: ignore[B501]",
    "    c = requests.get(url, verify=False, timeout=3)  # nosec B501",
    "    d = requests.get(url, verify=False, timeout=3)  # nosec",
    "    e = requests.get(url, verify=False, timeout=3)  # nosec B602",
    "    f = requests.get(url, verify=False, timeout=3)  # caveat: ignore[CAV135]",
    "    s = 'not a # nosec comment'; g = requests.get(url, verify=False, timeout=3)",
    "    return a, b, c, d, e, f, g",
]


def test_bandit_suppressions_cover_the_superseding_rule():
    text = "\n".join(LINES) + "\n"
    found = Engine().analyze(text, "x.py", Settings()).findings
    assert [(f.line, f.code) for f in found if f.category == "tls-verify-disabled"] == \
        [(3, "CAV135"), (7, "CAV135"), (9, "CAV135")]


def test_nosec_does_not_silence_caveat_rules_outside_bandit_s_domain():
    text = "def f(items):\n    return sum(items) / len(items)  # nosec\n"
    found = Engine().analyze(text, "x.py", Settings(profile="strict")).findings
    assert [f.code for f in found] == ["CAV230"]
