"""Bandit's test ids mapped to caveat's categories, with docs from bandit itself."""
from __future__ import annotations

import inspect
import re
import sys
from functools import lru_cache

from caveat.engine.findings import Severity
from caveat.rules.base import RuleInfo

CATEGORY = {
    "B101": "assert-for-validation", "B102": "code-injection", "B103": "other",
    "B104": "other", "B105": "hardcoded-secret", "B106": "hardcoded-secret",
    "B107": "hardcoded-secret", "B108": "other", "B110": "swallowed-exception",
    "B112": "swallowed-exception", "B113": "missing-timeout",
    "B201": "stacktrace-disclosure", "B202": "path-traversal",
    "B301": "insecure-deserialization", "B302": "insecure-deserialization",
    "B303": "weak-crypto", "B304": "weak-crypto", "B305": "weak-crypto",
    "B306": "race-toctou", "B307": "code-injection", "B308": "xss", "B310": "ssrf",
    "B311": "insecure-random", "B312": "other", "B313": "xxe", "B314": "xxe",
    "B315": "xxe", "B316": "xxe", "B317": "xxe", "B318": "xxe",
    "B319": "xxe", "B320": "xxe", "B321": "other", "B323": "tls-verify-disabled",
    "B324": "weak-crypto", "B401": "other", "B402": "other",
    "B403": "insecure-deserialization", "B404": "command-injection", "B405": "xxe",
    "B406": "xxe", "B407": "xxe", "B408": "xxe", "B409": "xxe",
    "B410": "xxe", "B411": "xxe", "B412": "other", "B413": "weak-crypto",
    "B415": "other", "B501": "tls-verify-disabled", "B502": "weak-crypto",
    "B503": "weak-crypto", "B504": "weak-crypto", "B505": "weak-crypto",
    "B506": "insecure-deserialization", "B507": "tls-verify-disabled",
    "B508": "weak-crypto", "B509": "weak-crypto", "B601": "command-injection",
    "B602": "command-injection", "B603": "command-injection",
    "B604": "command-injection", "B605": "command-injection",
    "B606": "command-injection", "B607": "command-injection", "B608": "sql-injection",
    "B609": "command-injection", "B610": "sql-injection", "B611": "sql-injection",
    "B612": "code-injection", "B613": "other", "B614": "insecure-deserialization",
    "B615": "other", "B701": "xss", "B702": "xss", "B703": "xss", "B704": "xss",
}

# Off unless selected by code: they flag a construct, not a defect, and fire on
# most real code bases (an import of subprocess, every assert, any use of
# random, a subprocess call without a shell). caveat's own rules cover the
# defective uses of the same constructs with their context.
NOISY = frozenset({
    "B101", "B311", "B603", "B607",
    "B401", "B402", "B403", "B404", "B405", "B406", "B407", "B408", "B409",
    "B410", "B411", "B412", "B413", "B415",
})

_SEVERITY = {"HIGH": Severity.ERROR, "MEDIUM": Severity.WARNING, "LOW": Severity.INFO}


# bandit files its XML parser tests under CWE-20; what they warn about is XXE (CWE-611).
CWE_OVERRIDES = {f"B{n}": 611 for n in (*range(313, 321), *range(405, 412))}


@lru_cache(maxsize=1)
def bandit_rules() -> dict[str, RuleInfo]:
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    infos: dict[str, RuleInfo] = {}
    for test_id, plugin in manager.plugins_by_id.items():
        func = plugin.plugin
        doc = inspect.getdoc(sys.modules.get(func.__module__)) or inspect.getdoc(func) or ""
        infos[test_id] = _info(test_id, plugin.name, doc, _cwe_of_plugin(func))
    for test_id, entry in manager.blacklist_by_id.items():
        message = entry.get("message", "").replace("{name}", "this")
        doc = f"## What it does\n\n{message}\n\nFlags: {', '.join(entry.get('qualnames', []))}"
        infos[test_id] = _info(test_id, entry["name"], doc, entry.get("cwe"))
    return infos


def _info(test_id: str, name: str, doc: str, cwe: int | None) -> RuleInfo:
    from caveat.rules.bandit import fixes, refine

    body = _rst_to_markdown(doc)
    if "## What it does" not in body:
        body = "## What it does\n\n" + body
    if test_id in refine.REFINED:  # caveat keeps only the findings that show the defect
        body += "\n\n## What caveat reports\n\n" + inspect.getdoc(refine.REFINED[test_id])
    return RuleInfo(
        code=test_id, name=name.replace("_", "-"), category=CATEGORY.get(test_id, "other"),
        cwe=CWE_OVERRIDES.get(test_id) or (int(cwe) if cwe else None), severity=Severity.WARNING,
        fixable=test_id in fixes.FIXERS, doc=body + f"\n\n(From bandit, test {test_id}.)",
        origin="bandit",
    )


def severity_of(bandit_severity: str, test_id: str = "") -> Severity:
    """Bandit's severity, as the precision policy allows it for ``test_id``."""
    from caveat.rules.meta import capped_severity

    return capped_severity(test_id, _SEVERITY.get(bandit_severity.upper(), Severity.WARNING))


def _cwe_of_plugin(func) -> int | None:
    source = inspect.getsource(sys.modules[func.__module__])
    match = re.search(r"cwe=issue\.Cwe\.(\w+)", source)
    if not match:
        return None
    from bandit.core import issue

    return int(getattr(issue.Cwe, match.group(1), 0)) or None


def _rst_to_markdown(doc: str) -> str:
    """Bandit's plugin docs are reStructuredText; render them as Markdown with
    the title as the first sentence of 'What it does'."""
    lines = doc.replace("``", "`").splitlines()
    out: list[str] = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^[=\-~^]{3,}\s*$", line):
            i += 1
            continue
        heading = re.match(r"^(?:B\d{3}: )?(Test for .*|.*)$", line)
        if not title and line.strip() and i + 1 < len(lines) and re.match(r"^[=\-~^]{3,}", lines[i + 1]):
            title = re.sub(r"^B\d{3}:\s*", "", heading.group(1)).strip()
            i += 1
            continue
        block = re.match(r"^\s*\.\. code-block:: ?(\w*)", line)
        if block:
            out.append(f"```{'python' if block.group(1) in ('', 'python') else block.group(1)}")
            i += 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            while body and not body[0].strip():
                body.pop(0)
            indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
            out.extend(b[indent:] for b in body)
            out.append("```")
            continue
        if line.strip().startswith((".. versionadded", ".. versionchanged")):
            i += 1
            while i < len(lines) and lines[i].startswith(" "):
                i += 1
            continue
        out.append(line.replace(".. seealso::", "## References").replace(":Example:", "## Example"))
        i += 1
    text = "\n".join(out).strip()
    if title:
        text = f"## What it does\n\n{title}.\n\n{text}"
    return text
