"""The baseline through the real CLI: --write-baseline, --baseline, [tool.caveat] baseline,
--report-stale-baseline and SARIF's baselineState, in temporary git repositories."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.gate.gitrepo import caveat, commit, make_repo

ORDERS = '''import requests
import yaml


def load(handle):
    return yaml.load(handle)


class Client:
    def notify(self, order_id):
        return requests.post("https://warehouse.example/notify", json={"order": order_id})
'''
# a third finding of the default set, in a file of its own (TLS verification off: CAV135)
KEYS = 'import requests\n\nKEYS_URL = "https://keys.example/jwks"\n\n\ndef keys():\n' \
       '    return requests.get(KEYS_URL, verify=False, timeout=5).json()\n'
SECRET = 'API_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXYZ"\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n',
        "src/orders.py": ORDERS, "src/keys.py": KEYS})


def check(repo: Path, *args: str, cwd: Path | None = None):
    return caveat("check", "--no-api", *args, cwd=cwd or repo)


def written(repo: Path, name: str = "caveat-baseline.json") -> list[dict]:
    return json.loads((repo / name).read_text())["findings"]


def test_baselined_findings_are_hidden_and_survive_lines_inserted_above(repo: Path):
    result = check(repo, "--write-baseline", "caveat-baseline.json")
    assert result.returncode == 0
    assert result.stdout.strip() == "Wrote 3 findings to caveat-baseline.json."
    assert sorted(e["code"] for e in written(repo)) == ["CAV132", "CAV135", "CAV203"]  # committed code: the default set

    quiet = check(repo, "--baseline", "caveat-baseline.json")
    assert quiet.returncode == 0, quiet.stdout
    assert quiet.stdout.startswith("All checks passed.")
    assert "3 findings in the baseline (caveat-baseline.json) are not shown." in quiet.stdout

    # Lines inserted above and inside the file, and the class re-indented code moves: still hidden.
    moved = ('"""Orders."""\nimport logging\n' + ORDERS.replace("def load(handle):", "LOG = logging.getLogger()\n\n\ndef load(handle):")
             .replace("    def notify", "    retries = 3\n\n    def notify"))
    (repo / "src" / "orders.py").write_text(moved)
    assert check(repo, "--baseline", "caveat-baseline.json").returncode == 0

    # Editing the finding's own line makes it new.
    (repo / "src" / "orders.py").write_text(moved.replace("return yaml.load(handle)", "return yaml.load(handle)  # trusted"))
    edited = check(repo, "--baseline", "caveat-baseline.json")
    assert edited.returncode == 1
    assert re.search(r"^src/orders.py:11:12: (B506|CAV132) ", edited.stdout, re.M) and "CAV203" not in edited.stdout
    assert "Found 1 finding." in edited.stdout


def test_a_copy_of_a_baselined_defect_in_another_function_is_new(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    # the copy comes first: it is the new one, not the original (identical lines in
    # different functions do not share an occurrence count)
    (repo / "src" / "orders.py").write_text(ORDERS.replace(
        "def load(handle):", "def reload(handle):\n    return yaml.load(handle)\n\n\ndef load(handle):"))
    result = check(repo, "--baseline", "caveat-baseline.json", "--format", "json")
    assert result.returncode == 1
    assert [(r["code"], r["line"]) for r in json.loads(result.stdout)] == [("CAV132", 6)]


def test_configured_baseline_from_a_subfolder(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n\n[tool.caveat]\nbaseline = "caveat-baseline.json"\n')
    result = check(repo, ".", cwd=repo / "src")
    assert result.returncode == 0, result.stdout
    assert "3 findings in the baseline (../caveat-baseline.json) are not shown." in result.stdout
    every = check(repo, "--no-baseline", ".", cwd=repo / "src")
    assert every.returncode == 1 and "Found 3 findings." in every.stdout


def test_stale_entries_are_reported_and_dropped_on_rewrite(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    (repo / "src" / "orders.py").write_text(ORDERS.replace("yaml.load(", "yaml.safe_load("))
    plain = check(repo, "--baseline", "caveat-baseline.json")
    assert plain.returncode == 0 and "tale" not in plain.stdout + plain.stderr

    stale = check(repo, "--baseline", "caveat-baseline.json", "--report-stale-baseline")
    assert stale.returncode == 1
    listed = stale.stdout.split("Stale baseline entries (their findings are gone or their lines changed):\n")[1]
    assert listed.startswith("  src/orders.py:6: CAV132 `yaml.load` without a safe `Loader`")
    assert "1 baseline entry no longer matches a finding; `caveat check --write-baseline caveat-baseline.json` " \
           "drops it." in stale.stdout
    as_json = check(repo, "--baseline", "caveat-baseline.json", "--report-stale-baseline", "--format", "json")
    assert as_json.returncode == 1 and json.loads(as_json.stdout) == []
    assert "caveat: stale baseline entry: src/orders.py:6: CAV132" in as_json.stderr

    rewrite = check(repo, "--write-baseline", "caveat-baseline.json")
    assert rewrite.stdout.strip() == "Wrote 2 findings to caveat-baseline.json (1 stale entry dropped)."
    assert check(repo, "--baseline", "caveat-baseline.json", "--report-stale-baseline").returncode == 0


def test_rewriting_from_one_folder_keeps_the_other_files_entries(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    (repo / "src" / "keys.py").write_text("import os\nAPI_KEY = os.environ['API_KEY']\n")
    (repo / "lib").mkdir()
    (repo / "lib" / "fresh.py").write_text("import yaml\n\n\ndef f(h):\n    return yaml.load(h)\n")
    result = check(repo, "--write-baseline", "caveat-baseline.json", "lib", "src/keys.py")
    assert "Wrote 3 findings to caveat-baseline.json (2 kept for files or codes this run did not check, " \
           "1 stale entry dropped)." in result.stdout
    assert sorted({e["path"] for e in written(repo)}) == ["lib/fresh.py", "src/orders.py"]


def test_entries_of_checks_that_did_not_run_are_not_stale(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    result = check(repo, "--baseline", "caveat-baseline.json", "--report-stale-baseline", "--select", "CAV203")
    assert result.returncode == 0, result.stdout + result.stderr
    rewrite = check(repo, "--write-baseline", "caveat-baseline.json", "--select", "CAV203")
    assert "2 kept for files or codes this run did not check" in rewrite.stdout
    assert len(written(repo)) == 3


def test_sarif_marks_baselined_results_unchanged_with_the_same_fingerprints(repo: Path):
    check(repo, "--write-baseline", "caveat-baseline.json")
    recorded = {e["fingerprint"] for e in written(repo)}
    (repo / "src" / "orders.py").write_text(ORDERS + "\n\ndef fetch(url):\n    return requests.get(url)\n")
    result = check(repo, "--baseline", "caveat-baseline.json", "--format", "sarif")
    assert result.returncode == 1
    results = json.loads(result.stdout)["runs"][0]["results"]
    states = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r["baselineState"]
              for r in results}
    assert states[("CAV203", 15)] == "new"
    assert sorted(states.values()) == ["new", "unchanged", "unchanged", "unchanged"]
    assert {r["partialFingerprints"]["caveat/v2"] for r in results if r["baselineState"] == "unchanged"} == recorded
    # without a baseline, SARIF has no baselineState (nothing was compared)
    plain = json.loads(check(repo, "--format", "sarif").stdout)["runs"][0]["results"]
    assert all("baselineState" not in r for r in plain)


def test_the_baseline_file_holds_no_secret(repo: Path):
    # CAV130 is in the strict profile since session 6's triage: selected by code, as a project that wants it does
    (repo / "src" / "keys.py").write_text(SECRET)
    check(repo, "--write-baseline", "caveat-baseline.json", "--extend-select", "CAV130")
    assert "CAV130" in {e["code"] for e in written(repo)}
    text = (repo / "caveat-baseline.json").read_text()
    assert "51HqLyjWDarjtT1zdp7dcXYZ" not in text and "sk_live_51Hq" not in text
    # the fingerprint does not depend on the secret's value: rotating it in place keeps it hidden
    (repo / "src" / "keys.py").write_text(SECRET.replace("51HqLyjWDarjtT1zdp7dcXYZ", "51HqPPPPPPPPPPPPPPPPPPPP"))
    assert check(repo, "--baseline", "caveat-baseline.json", "--extend-select", "CAV130").returncode == 0


def test_api_findings_are_baselined_too(repo: Path):
    (repo / "src" / "parse.py").write_text("import json\n\n\ndef read(text):\n    return json.parse(text)\n")
    result = caveat("check", "--write-baseline", "caveat-baseline.json", cwd=repo)
    assert result.returncode == 0
    assert "CAV301" in {e["code"] for e in written(repo)}
    assert caveat("check", "--baseline", "caveat-baseline.json", cwd=repo).returncode == 0
    # a run without the API stage neither reports the API entry as stale nor drops it
    local = check(repo, "--baseline", "caveat-baseline.json", "--report-stale-baseline")
    assert local.returncode == 0, local.stderr
    check(repo, "--write-baseline", "caveat-baseline.json")
    assert "CAV301" in {e["code"] for e in written(repo)}


@pytest.mark.parametrize("content, message", [
    (None, "cannot read the baseline"),
    ("{not json", "not a caveat baseline (invalid JSON"),
    ('{"findings": []}', "not a caveat baseline (expected"),
    ('{"caveat-baseline": 1, "fingerprint": "caveat/v2", "findings": [{"path": "a.py"}]}', "finding 1 needs"),
])
def test_a_bad_baseline_is_a_usage_error(repo: Path, content: str | None, message: str):
    if content is not None:
        (repo / "caveat-baseline.json").write_text(content)
    result = check(repo, "--baseline", "caveat-baseline.json")
    assert result.returncode == 2
    assert "caveat-baseline.json" in result.stderr and message in result.stderr
    (repo / "pyproject.toml").write_text('[tool.caveat]\nbaseline = "caveat-baseline.json"\n')
    configured = check(repo)
    assert configured.returncode == 2 and message in configured.stderr


def test_a_baseline_written_before_the_first_commit_still_hides_everything_after_it(tmp_path: Path):
    """Uncommitted lines are new code and get the strict set; once committed they get the
    default set, where a bandit test may report a defect a strict caveat rule reported before
    (the two are one baseline entry). The same defect on the same line must stay baselined
    (and is not stale)."""
    repo = make_repo(tmp_path / "fresh")
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n\n'
                                         '[tool.caveat]\nbaseline = "caveat-baseline.json"\nnew-code = "strict"\n')
    (repo / "orders.py").write_text(ORDERS)
    assert check(repo, "--write-baseline", "caveat-baseline.json").returncode == 0
    assert "CAV132" in {e["code"] for e in written(repo)}  # written while every line was new
    assert check(repo).returncode == 0
    commit(repo, message="adopt caveat")
    after = check(repo)
    assert after.returncode == 0, after.stdout
    assert after.stdout.startswith("All checks passed.")
    assert check(repo, "--report-stale-baseline").returncode == 0  # the entry written on new code still matches
    rewrite = check(repo, "--write-baseline", "caveat-baseline.json")
    assert "stale" not in rewrite.stdout and "kept" not in rewrite.stdout, rewrite.stdout
    assert "CAV132" in {e["code"] for e in written(repo)}
    strict = check(repo, "--profile", "strict")
    assert "orders.py:6:12: CAV132" not in strict.stdout, strict.stdout
