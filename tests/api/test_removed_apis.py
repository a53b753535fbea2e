"""tools/build_removed_apis.py: removals found by comparing releases, read with the static index.

Three hand-made releases of one library (real files in an environment layout, as the tool
unpacks wheels): a name that one release drops and no later one has is removed in the release
that dropped it; a name that comes back is not a removal; a keyword that goes away too; an alias
names its replacement. And the knowledge base's entries only speak for names that are missing."""
from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
spec = importlib.util.spec_from_file_location("build_removed_apis", ROOT / "tools" / "build_removed_apis.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

RELEASES = {
    "1.0": '''
        import os

        def cumprod(values, axis=None):
            return values

        def cumproduct(*args, **kwargs):
            return cumprod(*args, **kwargs)

        relation = cumprod
        flag = bool

        def percentile(values, q, interpolation="linear", method="linear"):
            return values

        class Frame:
            def append(self, other):
                return self

            def items(self):
                return []

            def lookup(self, key):
                return key
    ''',
    "2.0": '''
        def cumprod(values, axis=None):
            return values

        def percentile(values, q, interpolation="linear", method="linear"):
            return values

        class Frame:
            def items(self):
                return []

            def lookup(self, key):
                return key
    ''',
    "3.0": '''
        def cumprod(values, axis=None):
            return values

        flag = bool

        def percentile(values, q, method="linear"):
            return values

        class Frame:
            def items(self):
                return []
    ''',
}


def _release(root: Path, version: str, source: str) -> Path:
    prefix = root / f"lib-{version}"
    site = prefix / "lib" / "python3.11" / "site-packages"
    (site / "lib").mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (site / "lib" / "__init__.py").write_text(textwrap.dedent(source))
    info = site / f"lib-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: lib\nVersion: {version}\n")
    (info / "RECORD").write_text("lib/__init__.py,,\n")
    return prefix


@pytest.fixture(scope="module")
def found(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("releases")
    apis = [(version, tool.public_api(_release(root, version, source), root / "index"))
            for version, source in RELEASES.items()]
    return {(e["owner"], e["name"], e["kind"]): e for e in tool.removals("lib", apis)}


def test_a_name_dropped_for_good_is_removed_in_the_release_that_dropped_it(found: dict) -> None:
    assert found[("", "cumproduct", "attribute")]["version"] == "2.0"
    assert found[("Frame", "append", "attribute")]["version"] == "2.0"
    assert found[("Frame", "lookup", "attribute")]["version"] == "3.0"


def test_a_name_that_comes_back_is_not_a_removal(found: dict) -> None:
    assert ("", "flag", "attribute") not in found


def test_what_a_module_imports_from_elsewhere_is_not_its_api(found: dict) -> None:
    assert ("", "os", "attribute") not in found


def test_a_keyword_that_goes_away(found: dict) -> None:
    entry = found[("percentile", "interpolation", "keyword")]
    assert entry["version"] == "3.0" and entry["module"] == "lib"
    assert ("percentile", "method", "keyword") not in found


def test_an_alias_or_forwarder_names_its_replacement(found: dict) -> None:
    assert found[("", "cumproduct", "attribute")]["replacement"] == "`lib.cumprod`"
    assert found[("", "relation", "attribute")]["replacement"] == "`lib.cumprod`"


def test_typeshed_version_conditions_give_standard_library_removals() -> None:
    entries = {(e["module"], e["owner"], e["name"]): e for e in tool.stdlib_removals()}
    assert entries[("inspect", "", "getargspec")]["version"] == "3.11"
    assert entries[("asyncio.coroutines", "", "coroutine")]["version"] == "3.11"
    assert ("inspect", "", "signature") not in entries


def test_a_keyword_of_a_function_that_moved_into_a_private_module(tmp_path) -> None:
    """numpy 2 moved ``percentile`` into ``numpy.lib._function_base_impl`` and later dropped its
    ``interpolation`` keyword: the releases are compared through the public name."""
    old = _release(tmp_path, "1.0", "def percentile(a, q, interpolation=None, method=None):\n    return a\n")
    moved = _release(tmp_path, "2.0", "from lib._impl import percentile\n")
    (moved / "lib" / "python3.11" / "site-packages" / "lib" / "_impl.py").write_text(
        "def percentile(a, q, interpolation=None, method=None):\n    return a\n")
    dropped = _release(tmp_path, "3.0", "from lib._impl import percentile\n")
    (dropped / "lib" / "python3.11" / "site-packages" / "lib" / "_impl.py").write_text(
        "def percentile(a, q, method=None):\n    return a\n")
    apis = [(v, tool.public_api(prefix, tmp_path / "index")) for v, prefix in (("1.0", old), ("2.0", moved),
                                                                               ("3.0", dropped))]
    found = {(e["owner"].rsplit(".", 1)[-1], e["name"], e["kind"]): e for e in tool.removals("lib", apis)}
    assert found[("percentile", "interpolation", "keyword")]["version"] == "3.0"
    assert ("percentile", "method", "keyword") not in found
