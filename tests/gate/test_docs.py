"""The documentation: every relative link resolves inside the repository, the category list
is the engine's, the documented GitHub Actions job runs, and the adoption output the README
shows has the shape the CLI prints."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from caveat.engine.findings import CATEGORIES

from tests.gate.gitrepo import ROOT, caveat, commit, git, make_repo

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without code blocks and code spans (links there are not links)."""
    return _CODE.sub("", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return _LINK.findall(body) + _REFERENCE.findall(body)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    found: dict[str, int] = {}
    result = set()
    for heading in _HEADING.findall(text):
        base = slug(heading)
        count = found.get(base, 0)
        result.add(base if count == 0 else f"{base}-{count}")
        found[base] = count + 1
    result |= set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    return result


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(doc: Path):
    problems = []
    for target in links(doc.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        name, _, fragment = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        try:
            path.relative_to(ROOT)
        except ValueError:
            problems.append(f"{target}: outside the repository")
            continue
        if not path.exists():
            problems.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            problems.append(f"{target}: no heading with anchor #{fragment} in {path.name}")
    assert not problems, f"{doc.relative_to(ROOT)}: " + "; ".join(problems)


def test_the_link_checker_catches_what_it_should(tmp_path: Path):
    text = ("[a](docs/x.md) [b](https://x.org/y) `[c](nope.md)` [d](#sec-two)\n"
            "```\n[e](in-code.md)\n```\n[ref]: ../outside.md\n")
    assert links(text) == ["docs/x.md", "https://x.org/y", "#sec-two", "../outside.md"]
    (tmp_path / "d.md").write_text("# Title\n## Sec `two`\n## Sec two\n### CAV101\n")
    assert anchors(tmp_path / "d.md") == {"title", "sec-two", "sec-two-1", "cav101"}


def test_the_category_list_is_the_engine_s():
    text = (ROOT / "docs" / "categories.md").read_text(encoding="utf-8")
    families = re.split(r"^## ", text, flags=re.M)[1:]
    documented = {}
    for section in families:
        title = section.splitlines()[0].strip()
        documented[title] = re.findall(r"^\| `([a-z-]+)` \|", section, re.M)
    names = {"security": "security", "edge": "edge cases", "api": "API reality", "other": "other"}
    assert {names[family]: list(categories) for family, categories in CATEGORIES.items()} == documented


def test_the_pre_commit_hooks_are_declared():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"caveat", "caveat-fix"}
    assert hooks["caveat"]["entry"].startswith("caveat check") and "--fix" not in hooks["caveat"]["entry"]
    assert "--fix" in hooks["caveat-fix"]["entry"] and "--unsafe-fixes" not in hooks["caveat-fix"]["entry"]
    assert all(hook["language"] == "python" for hook in hooks.values())


def workflow() -> dict:
    text = (ROOT / "docs" / "adoption.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "upload-sarif" in b]
    return yaml.safe_load(block)


def test_the_documented_github_actions_job_runs(tmp_path: Path):
    job = workflow()["jobs"]["caveat"]
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    commands = [s["run"] for s in steps if s.get("run", "").startswith("caveat check")]
    assert len(commands) == 2

    repo = make_repo(tmp_path / "project", {
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n',
        "app.py": "import yaml\n\n\ndef load(h):\n    return yaml.load(h)\n"})
    git(repo, "update-ref", "refs/remotes/origin/main", "main")  # what actions/checkout fetches
    git(repo, "checkout", "-q", "-b", "pull-request")
    commit(repo, {"feature.py": "def add(a, b):\n    return a + b\n"})
    github = {"${{ github.base_ref }}": "main"}

    def run(command: str):
        for expression, value in github.items():
            command = command.replace(expression, value)
        return caveat(*shlex.split(command)[1:], cwd=repo)

    scan = run(commands[0])
    assert scan.returncode == 0, scan.stderr  # --exit-zero: the upload step gets the findings
    sarif = json.loads((repo / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "B506" and "caveat/v2" in result["partialFingerprints"]  # committed: the default set

    assert run(commands[1]).returncode == 0  # the pull request adds nothing: the old finding does not fail it
    commit(repo, {"feature.py": "import yaml\n\n\ndef parse(h):\n    return yaml.load(h)\n"})
    gate = run(commands[1])
    assert gate.returncode == 1 and re.search(r"^feature.py:5:12: (B506|CAV132) ", gate.stdout, re.M), gate.stdout


def documented_runs(doc: Path, section: str | None = None) -> list[tuple[str, list[str]]]:
    """Each `$ caveat ...` command shown in the doc's text blocks and the lines shown after it."""
    text = doc.read_text(encoding="utf-8")
    if section is not None:
        text = text.split(section, 1)[1].split("\n## ", 1)[0]
    runs: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = line[2:].split("#")[0].strip()
                runs.append((command, []) if command.startswith("caveat ") else ("", []))
            elif runs:
                runs[-1][1].append(line)
    return [(command, shown) for command, shown in runs if command]


def _shown_pattern(shown: list[str]) -> re.Pattern:
    """The lines a doc shows, as a pattern for the real output: `...` alone stands for any
    lines, a line ending in ` ...` for any line it starts; every other line is verbatim."""
    while shown and not shown[-1].strip():
        shown = shown[:-1]
    parts = []
    for line in shown:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        elif line.endswith(" ..."):
            parts.append(re.escape(line[:-3]) + r"[^\n]*\n")
        else:
            parts.append(re.escape(line) + r"\n")
    return re.compile("".join(parts), re.S)


SHOP_INVOICE = '''

def fetch_invoice(order_id):
    response = requests.get(f"https://billing.internal.example/invoices/{order_id}")
    return response.json()
'''


@pytest.fixture(scope="module")
def adoption_outputs(tmp_path_factory, venv_factory) -> dict[str, str]:
    """The adoption walk-through the docs show, replayed with the real CLI on the example
    project in its own git repository with its dependencies in `.venv`: what each command
    printed (stdout, then stderr without the note naming the environment's path)."""
    repo = tmp_path_factory.mktemp("adoption") / "shop"
    for path in (ROOT / "examples" / "shop").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            target = repo / path.relative_to(ROOT / "examples" / "shop")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (repo / ".gitignore").write_text(".venv\n")
    make_repo(repo)
    commit(repo, message="the shop")
    (repo / ".venv").symlink_to(venv_factory("flask>=3.0", "requests>=2.31", "pyyaml>=6.0"))
    outputs: dict[str, str] = {}

    def run(command: str) -> None:
        done = caveat(*shlex.split(command)[1:], cwd=repo)
        assert done.returncode in (0, 1), f"{command}: {done.stderr}"
        notes = [line for line in done.stderr.splitlines(keepends=True)
                 if not line.startswith("caveat: API checks against ")]
        outputs[command] = done.stdout + "".join(notes)

    run("caveat check --diff")
    run("caveat check --fix")
    commit(repo, message="caveat check --fix")
    run("caveat check --write-baseline caveat-baseline.json")
    with open(repo / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[tool.caveat]\nbaseline = "caveat-baseline.json"\n')
    commit(repo, message="caveat baseline")
    run("caveat check")
    web = repo / "shop" / "web.py"  # "after removing debug=True from app.run()"
    web.write_text(web.read_text().replace("app.run(debug=True)", "app.run()"))
    run("caveat check --report-stale-baseline")
    git(repo, "checkout", "--", "shop/web.py")
    git(repo, "switch", "-q", "-c", "invoice-export")
    commit(repo, {"shop/orders.py": (repo / "shop" / "orders.py").read_text() + SHOP_INVOICE}, "invoice export")
    run("caveat check --diff-from main")
    return outputs


@pytest.mark.slow
@pytest.mark.parametrize("doc, section", [(ROOT / "README.md", "## Adopting caveat on an existing codebase"),
                                          (ROOT / "docs" / "adoption.md", None)],
                         ids=["README.md", "docs/adoption.md"])
def test_the_documented_adoption_output_is_what_the_cli_prints(doc: Path, section: str | None,
                                                               adoption_outputs: dict[str, str]):
    runs = documented_runs(doc, section)
    assert runs, f"{doc.name}: no `$ caveat ...` output shown"
    for command, shown in runs:
        assert command in adoption_outputs, f"{doc.name}: `{command}` is not part of the replayed walk-through"
        printed = adoption_outputs[command]
        assert _shown_pattern(shown).fullmatch(printed), (
            f"{doc.name}: the output shown for `{command}` is not what it prints today:\n"
            + "\n".join(shown) + "\n--- printed ---\n" + printed)


def test_the_shown_output_pattern():
    pattern = _shown_pattern(["a.py:1:1: X1 first ...", "...", "Found 2 findings.", ""])
    assert pattern.fullmatch("a.py:1:1: X1 first line\n  |\nb.py:2:2: X2\nFound 2 findings.\n")
    assert not pattern.fullmatch("a.py:1:1: X1 first line\nFound 3 findings.\n")
    assert not pattern.fullmatch("a.py:1:1: X1 first line\nFound 2 findings.\nmore\n")
    assert _shown_pattern(["All checks passed."]).fullmatch("All checks passed.\n")
    assert not _shown_pattern(["All checks passed."]).fullmatch("Found 1 finding.\n")
