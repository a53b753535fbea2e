"""`caveat check` on a project: the process pool and the on-disk result cache."""
from __future__ import annotations

from pathlib import Path

import pytest

from caveat.check import CACHE_DIR, CheckRun
from caveat.project import Settings

SOURCE = '''import subprocess
import yaml


def run(cmd):
    return subprocess.call(cmd, shell=True)


def load(handle):
    return yaml.load(handle)
'''


def make_project(root: Path, files: int = 10) -> None:
    (root / "pkg").mkdir()
    for i in range(files):
        (root / "pkg" / f"m{i}.py").write_text(SOURCE + f"\n\nVALUE_{i} = eval(input())\n")


def summary(results) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(Path(r.path).name, [(f.code, f.line) for f in r.findings]) for r in results]


@pytest.fixture
def cache_on(monkeypatch):
    monkeypatch.delenv("CAVEAT_NO_DISK_CACHE", raising=False)


def test_pool_gives_the_same_results_as_one_process(tmp_path):
    make_project(tmp_path)
    settings = Settings(root=str(tmp_path))
    single = CheckRun(settings, use_cache=False, jobs=1)
    pooled = CheckRun(settings, use_cache=False, jobs=2)
    one = single.check([tmp_path])
    two = pooled.check([tmp_path])
    assert pooled.stats["processes"] == 2 and single.stats["processes"] == 0
    assert summary(one) == summary(two)
    assert all(r.findings for r in two)


def test_disk_cache_by_content_settings_and_flags(tmp_path, cache_on):
    make_project(tmp_path)
    settings = Settings(root=str(tmp_path))
    first = CheckRun(settings, jobs=2)
    cold = first.check([tmp_path])
    assert first.stats["analysed"] == 10 and first.stats["cached"] == 0
    cache = tmp_path / CACHE_DIR
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert len(list(cache.glob("results-*.pickle"))) == 1

    warm_run = CheckRun(settings, jobs=2)
    warm = warm_run.check([tmp_path])
    assert warm_run.stats["cached"] == 10 and warm_run.stats["analysed"] == 0
    assert summary(warm) == summary(cold)

    # One file edited: only it is analysed again.
    (tmp_path / "pkg" / "m3.py").write_text("import pickle\npickle.loads(data)\n")
    edited = CheckRun(settings, jobs=2)
    results = edited.check([tmp_path])
    assert edited.stats["analysed"] == 1 and edited.stats["cached"] == 9
    assert summary(results) != summary(cold)

    # Other settings: another namespace, everything analysed, the old namespace removed.
    other = Settings(root=str(tmp_path), ignore=("B602",))
    changed = CheckRun(other, jobs=2)
    changed.check([tmp_path])
    assert changed.stats["analysed"] == 10
    assert len(list(cache.glob("results-*.pickle"))) == 1


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    make_project(tmp_path, files=2)
    settings = Settings(root=str(tmp_path))
    monkeypatch.delenv("CAVEAT_NO_DISK_CACHE", raising=False)
    CheckRun(settings, use_cache=False).check([tmp_path])  # --no-cache
    assert not (tmp_path / CACHE_DIR).exists()
    monkeypatch.setenv("CAVEAT_NO_DISK_CACHE", "1")
    CheckRun(settings).check([tmp_path])
    assert not (tmp_path / CACHE_DIR).exists()


def test_corrupt_cache_is_ignored(tmp_path, cache_on):
    make_project(tmp_path, files=2)
    settings = Settings(root=str(tmp_path))
    CheckRun(settings).check([tmp_path])
    for entry in (tmp_path / CACHE_DIR).glob("results-*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = CheckRun(settings)
    assert all(r.findings for r in again.check([tmp_path]))
    assert again.stats["analysed"] == 2
