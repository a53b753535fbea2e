"""What the API stage costs across `caveat check` runs: results that can be reused are, and a
partial result (the API stage ran out of its time budget) is never served as complete.

Real parts: the CLI's `CheckRun` with its on-disk cache, real jedi and the static index.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from caveat.check import CheckRun
from caveat.project import Settings

CLIENT = '''import json


def dump(value):
    return json.dumpz(value)


def load(text):
    return json.loadz(text)
'''


@pytest.fixture
def cache_on(monkeypatch):
    monkeypatch.delenv("CAVEAT_NO_DISK_CACHE", raising=False)


def _codes(results) -> list[str]:
    return [f.code for r in results for f in r.findings]


def test_a_file_that_ran_out_of_api_budget_is_analysed_again_on_the_next_run(tmp_path: Path, cache_on) -> None:
    (tmp_path / "client.py").write_text(CLIENT)
    out_of_time = Settings(root=str(tmp_path), options=(("api-time-budget", 0),))
    first = CheckRun(out_of_time, jobs=1)
    assert _codes(first.check([tmp_path])).count("CAV301") == 1  # each analysis finishes one block
    assert any("time budget" in note for note in first.notes)
    again = CheckRun(out_of_time, jobs=1)
    again.check([tmp_path])
    assert (again.stats["analysed"], again.stats["cached"]) == (1, 0)  # not served from the cache

    enough = Settings(root=str(tmp_path), options=(("api-time-budget", 600),))
    complete = CheckRun(enough, jobs=1)
    assert _codes(complete.check([tmp_path])).count("CAV301") == 2
    assert not any("time budget" in note for note in complete.notes)
    reused = CheckRun(enough, jobs=1)
    assert _codes(reused.check([tmp_path])).count("CAV301") == 2
    assert (reused.stats["analysed"], reused.stats["cached"]) == (0, 1)


def test_runs_with_and_without_the_api_stage_keep_each_others_results(tmp_path: Path, cache_on) -> None:
    (tmp_path / "client.py").write_text(CLIENT)
    settings = Settings(root=str(tmp_path))
    CheckRun(settings, api=False, jobs=1).check([tmp_path])  # e.g. a pre-commit hook with --no-api
    CheckRun(settings, jobs=1).check([tmp_path])  # then the full check
    local = CheckRun(settings, api=False, jobs=1)
    local.check([tmp_path])
    full = CheckRun(settings, jobs=1)
    assert "CAV301" in _codes(full.check([tmp_path]))
    assert (local.stats["cached"], full.stats["cached"]) == (1, 1)


GUESSED = '''from pathlib import Path


def load(folder):
    # ok: CAV301
    return folder.read_textt()


def main():
    return load(Path("data"))


def typed(folder: Path):
    # expect: CAV301
    return folder.read_textt()
'''


def test_a_parameter_type_is_not_guessed_from_the_calls_jedi_finds(tmp_path: Path, cache_on) -> None:
    """``load`` may be called with anything elsewhere: the one call in view is no proof of what
    ``folder`` is (and searching every call made jedi parse much of the project and its
    libraries). An annotation is proof."""
    (tmp_path / "client.py").write_text(GUESSED)
    results = CheckRun(Settings(root=str(tmp_path), options=(("api-time-budget", 600),)), jobs=1).check([tmp_path])
    lines = sorted(f.line for r in results for f in r.findings if f.code == "CAV301")
    expected = [i + 2 for i, line in enumerate(GUESSED.splitlines()) if line.strip() == "# expect: CAV301"]
    assert lines == expected


def _analyze(root: Path, name: str, text: str) -> list[str]:
    from caveat.providers.api import provider_for

    settings = Settings(root=str(root))
    (root / name).write_text(text)
    findings, _ = provider_for(settings).analyze(text, str(root / name), settings)
    return [f.message for f in findings]


def test_a_workspace_module_changed_on_disk_is_read_again_by_the_next_file(tmp_path: Path) -> None:
    """jedi's inference state is shared by the files of a run: a module of the project it has
    loaded must not outlive a change of its file (a saved edit in the editor)."""
    import os

    helpers = tmp_path / "helpers.py"
    helpers.write_text("import json\n\n\ndef codec():\n    return json\n")
    first = _analyze(tmp_path, "first.py", "from helpers import codec\n\n\ndef save(value):\n"
                                           "    return codec().dumpz(value)\n")
    assert len(first) == 1 and "module `json`" in first[0]
    helpers.write_text("import pickle\n\n\ndef codec():\n    return pickle\n")
    stat = helpers.stat()
    os.utime(helpers, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    second = _analyze(tmp_path, "second.py", "from helpers import codec\n\n\ndef store(value):\n"
                                             "    return codec().dumpz(value)\n")
    assert len(second) == 1 and "module `pickle`" in second[0]


def test_a_form_feed_inside_a_line_does_not_shift_the_sites_after_it(tmp_path: Path) -> None:
    """Only \\r\\n, \\r and \\n end a line for Python (and ``ast``); a form feed (an old page
    break) is whitespace. Counting it as a line end put every later site off by one line,
    and the site was skipped."""
    found = _analyze(tmp_path, "paged.py", "import os\n\n\ndef f():\n    x = 1  # page\x0c break\n"
                                           "    return os.pathx\n")
    assert len(found) == 1 and "no attribute `pathx`" in found[0]


def test_waiting_for_another_analysis_does_not_use_up_the_time_budget(tmp_path: Path) -> None:
    """The budget counts the CPU time of the analysis itself: an analysis that waits for jedi
    (another document's analysis holds it, or the machine is loaded) still gets its seconds,
    so how much of a file is checked does not depend on the load."""
    import threading
    import time

    from caveat.providers.api import provider_for, stopped_by_budget
    from caveat.providers.api.jedi_checks import JEDI_LOCK

    settings = Settings(root=str(tmp_path), options=(("api-time-budget", 2),))
    (tmp_path / "client.py").write_text(CLIENT)
    held = threading.Event()

    def busy_elsewhere() -> None:
        with JEDI_LOCK:
            held.set()
            time.sleep(4)

    other = threading.Thread(target=busy_elsewhere)
    other.start()
    held.wait()
    try:
        findings, notes = provider_for(settings).analyze(CLIENT, str(tmp_path / "client.py"), settings)
    finally:
        other.join()
    assert not stopped_by_budget(notes)
    assert [f.code for f in findings].count("CAV301") == 2
