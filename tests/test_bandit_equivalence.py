"""Bandit per block (seeded imports, the fast visitor, skipped tests) == bandit on the whole file.

caveat runs bandit one block at a time so that an edit re-runs only the edited
block. On valid files the findings must be exactly bandit's own whole-file
findings: same test ids, lines and columns. Checked on real modules (the
standard library ships plenty of subprocess, pickle, random and tempfile calls).
"""
from __future__ import annotations

import logging
import sysconfig
from collections import Counter
from pathlib import Path

import pytest

from caveat.engine.analyzer import Engine
from caveat.engine.blocks import split_lines
from caveat.project import Settings
from caveat.providers import bandit_provider

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = [
    "subprocess.py", "tempfile.py", "shutil.py", "pickle.py", "random.py", "tarfile.py", "ftplib.py",
    "smtplib.py", "telnetlib.py", "xmlrpc/client.py", "http/server.py", "urllib/request.py", "code.py",
    "uuid.py", "multiprocessing/connection.py", "logging/config.py", "shelve.py", "webbrowser.py", "platform.py",
]
FILES = [STDLIB / name for name in MODULES if (STDLIB / name).exists()]


def _whole_file(path: Path) -> Counter:
    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    run = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
    run.discover_files([str(path)])
    run.run_tests()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter((i.test_id, i.lineno, _column(i, lines)) for i in run.get_issue_list())


def _column(issue, lines: list[str]) -> int:
    """bandit's column, except where it reports a later line of a multi-line call (the line of
    ``shell=True``) with the call's column: caveat underlines that line's code instead."""
    if issue.linerange and issue.lineno != min(issue.linerange):
        line = lines[issue.lineno - 1]
        return len(line.encode("utf-8")) - len(line.lstrip().encode("utf-8"))
    return issue.col_offset


def _per_block(engine: Engine, settings: Settings, path: Path) -> Counter:
    text = path.read_text(encoding="utf-8")
    analysis = engine.analyze(text, str(path), settings)
    lines = split_lines(text)
    found = Counter()
    for finding in analysis.raw:
        if finding.source != "bandit":
            continue
        line = lines[finding.line - 1]
        col = len(line[: finding.col].encode("utf-8"))  # bandit reports byte columns
        found[(finding.code, finding.line, col)] += 1
    return found


@pytest.fixture(scope="module")
def engine_and_settings():
    engine = Engine()
    engine._rules = []  # bandit alone: no caveat rule supersedes a bandit finding here
    engine._supersedes = {}
    every_test = sorted(bandit_provider.known_tests())
    # bandit's own findings: the tests caveat narrows afterwards (rules/bandit/refine.py, its own
    # fixture) are compared unnarrowed, since what is checked here is running bandit per block
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bandit_provider.refine, "REFINED", {})
        yield engine, Settings(select=tuple(every_test))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(STDLIB)))
def test_per_block_bandit_equals_whole_file(engine_and_settings, path: Path):
    engine, settings = engine_and_settings
    expected = _whole_file(path)
    assert _per_block(engine, settings, path) == expected


def test_there_is_something_to_compare():
    total = sum(sum(_whole_file(path).values()) for path in FILES[:8])
    assert total > 10


def test_excluded_tests_do_not_change_the_others(engine_and_settings):
    engine, settings = engine_and_settings
    path = STDLIB / "subprocess.py"
    full = _per_block(engine, settings, path)
    fewer = Settings(select=tuple(code for code in settings.select if code not in ("B603", "B404", "B101")))
    partial = _per_block(engine, fewer, path)
    assert partial == Counter({k: v for k, v in full.items() if k[0] not in ("B603", "B404", "B101")})
