"""False alarms the client-code bench (bench/detection/api/client_code.py) found on real test
suites that pass with the versions they were written for, one mechanism per test.

The index mechanisms run on a hand-made installed package (real files in a venv layout, read
with ``ast``); the end-to-end cases are the client code's own lines (numpy 1.26.4's test
suite) against a real venv with that version from PyPI. Each ``ok`` line was reported before
the fix; each ``expect`` line keeps the check speaking where it should.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from caveat.environment import from_path
from caveat.providers.api.index import ApiIndex, Ref

# --- the index, on a hand-made package ------------------------------------------------------
PACKAGE = {
    # `from ._utils import *` exports what `_utils.__all__` lists, private names included
    "__init__.py": '''
        from ._utils import *
        from ._impl import Mapped, helper
        from .core import *
        ''',
    "__init__.pyi": '''
        from ._utils import public as public

        class Mapped:
            def flush(self) -> None: ...

        def helper() -> int: ...

        class buffer:
            def flush(self) -> None: ...

        class Scalar:  # compiled: only the stub says what it takes
            def __init__(self, value: int, /, dtype: str | None = ...) -> None: ...
        ''',
    # numpy.core: ``from .memmap import *`` rebinds the submodule's name to its class
    "core/__init__.py": '''
        from .buffer import *
        ''',
    "core/buffer.py": '''
        __all__ = ["buffer"]

        class buffer:
            def __init__(self):
                self._raw = None

            def flush(self):
                pass
        ''',
    "_utils.py": '''
        __all__ = ["public", "_PRIVATE_FLAG"]

        def public():
            return 1

        _PRIVATE_FLAG = True
        _HIDDEN = False
        ''',
    # the stub's class is implemented in another module, which sets attributes the stub omits
    "_impl.py": '''
        class Mapped:
            def __new__(cls, filename):
                self = object.__new__(cls)
                self._handle = open(filename)
                return self

            def __array_finalize__(self, other):
                self._mmap = getattr(other, "_mmap", None)

            def flush(self):
                pass


        def helper():
            return 1
        ''',
    # a module that copies another module's namespace through an alias of globals()
    "compat.py": '''
        from . import _impl

        _globals = globals()

        for item in dir(_impl):
            _globals[item] = getattr(_impl, item)
        ''',
    # numpy 1.26's module __getattr__: deprecated aliases served from a table built from a list
    "aliases.py": '''
        import warnings

        _type_info = [("old_one", int), ("old_two", str)]
        __deprecated_attrs__ = {}
        __deprecated_attrs__.update({n: (alias, f"np.{n} is deprecated") for n, alias in _type_info})
        __former_attrs__ = {"gone": "removed in 2.0"}


        def __getattr__(attr):
            try:
                value, msg = __deprecated_attrs__[attr]
            except KeyError:
                pass
            else:
                warnings.warn(msg, DeprecationWarning, stacklevel=2)
                return value
            if attr in __former_attrs__:
                raise AttributeError(__former_attrs__[attr])
            raise AttributeError(attr)
        ''',
    "aliases.pyi": '''
        def current() -> int: ...
        ''',
    # a table the module does not build itself: any name may be served
    "lazy.py": '''
        from ._utils import public as TABLE


        def __getattr__(name):
            if name in TABLE:
                return TABLE[name]
            raise AttributeError(name)
        ''',
}


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> ApiIndex:
    prefix = tmp_path_factory.mktemp("env")
    site = prefix / "lib" / "python3.11" / "site-packages"
    package = site / "clientpkg"
    package.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, text in PACKAGE.items():
        (package / name).parent.mkdir(exist_ok=True)
        (package / name).write_text(textwrap.dedent(text))
    info = site / "clientpkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clientpkg\nVersion: 1.0\n")
    (info / "RECORD").write_text("".join(f"clientpkg/{name},,\n" for name in PACKAGE))
    os.environ["CAVEAT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return ApiIndex(from_path(prefix, "test"))
    finally:
        del os.environ["CAVEAT_CACHE_DIR"]


def test_a_star_import_exports_the_private_names_listed_in_all(index: ApiIndex) -> None:
    """numpy.testing: ``from ._private.utils import *`` with ``_OLD_PROMOTION`` in ``__all__``."""
    names = index.members(Ref("module", "clientpkg"))
    assert names.closed
    assert "_PRIVATE_FLAG" in names.names
    assert "_HIDDEN" not in names.names  # not in __all__: a star import does not bring it


def test_a_stub_class_implemented_elsewhere_has_the_implementation_s_attributes(index: ApiIndex) -> None:
    """numpy.memmap: declared in numpy/__init__.pyi, implemented in numpy/core/memmap.py, which
    sets ``self._mmap`` (in ``__array_finalize__``) and on the instance ``__new__`` makes."""
    ref = index.resolve("clientpkg.Mapped")
    assert ref is not None
    names = index.members(Ref("instance", ref.module, ref.qualname))
    assert names.closed
    assert {"flush", "_mmap", "_handle"} <= names.names
    assert "_mmapp" not in names.names
    buffer = index.resolve("clientpkg.buffer")  # reached through a star import of a package
    assert buffer is not None and buffer.kind == "class"
    names = index.members(Ref("instance", buffer.module, buffer.qualname))
    assert names.closed and {"flush", "_raw"} <= names.names and "_rawx" not in names.names


def test_an_alias_of_globals_makes_the_module_dynamic(index: ApiIndex) -> None:
    """numpy._core.multiarray (1.26): ``_globals = globals()``, then ``_globals[item] = ...``."""
    names = index.members(Ref("module", "clientpkg.compat"))
    assert not names.closed


def test_a_module_getattr_serves_the_keys_of_the_tables_it_reads(index: ApiIndex) -> None:
    """numpy 1.26: ``np.bool8`` and ``np.fv`` come from ``__deprecated_attrs__`` and
    ``__expired_functions__``, tables built from lists; the stub leaves them out."""
    names = index.members(Ref("module", "clientpkg.aliases"))
    assert names.closed
    assert {"current", "old_one", "old_two"} <= names.names
    assert "old_three" not in names.names
    assert not index.members(Ref("module", "clientpkg.lazy")).closed


def test_self_before_a_slash_is_not_the_first_keyword(index: ApiIndex) -> None:
    """numpy.void's stub: ``def __init__(self, value, /, dtype=...)`` takes ``dtype``."""
    answer = index.keywords(index.resolve("clientpkg.Scalar"))
    assert answer.closed and answer.names == {"dtype"}


COMPARISONS = '''
import clientpkg


def compare(count: int, name: str, path):
    mapped = clientpkg.Mapped(path)
    mapped == 1
    count == 1
    name < "b" < "c"
    mapped is None
    count in (1, 2)
    not mapped
'''


@pytest.mark.parametrize("line, expected", [
    (7, []),  # a library object's __eq__ returns what it returns (numpy: an array)
    (8, ["instance:builtins.bool"]),
    (9, ["instance:builtins.bool"]),
    (10, ["instance:builtins.bool"]),  # `is` and `in` always give a bool
    (11, ["instance:builtins.bool"]),
    (12, ["instance:builtins.bool"]),
])
def test_a_comparison_is_a_bool_only_between_builtins(index: ApiIndex, line: int, expected: list[str]) -> None:
    from tests.api.test_inference import infer, names

    assert names(infer(index, COMPARISONS, line)) == expected


# --- end to end, on numpy 1.26.4's own test code --------------------------------------------
NUMPY_TESTS = '''import numpy as np
import pytest
from numpy.testing import assert_raises, assert_raises_regex, assert_warns
# ok: CAV301
from numpy.testing import assert_equal, _OLD_PROMOTION, _SUPPORTS_SVE
# expect: CAV301
from numpy.testing import assert_equall
# ok: CAV301
from numpy._core.multiarray import _reconstruct


class _DeprecationTestCase:
    def assert_deprecated(self, function):
        with pytest.warns(DeprecationWarning):
            function()


class TestDeprecatedGlobals(_DeprecationTestCase):
    def test_type_aliases(self):
        # ok: CAV301
        self.assert_deprecated(lambda: np.bool8)


def test_financial_expired():
    with pytest.warns(DeprecationWarning, match="NEP 32"):
        # ok: CAV301
        func = np.fv
    with pytest.raises(RuntimeError, match="NEP 32"):
        func(1, 2, 3, 4)


def test_keywords():
    with assert_raises(TypeError):
        # ok: CAV303
        np.unravel_index(indices=2, hape=(2, 2))
    with assert_raises_regex(TypeError, "nonsense"):
        # ok: CAV303
        np.array2string(np.array([1, 2, 3]), nonsense=None)
    with assert_warns(DeprecationWarning):
        # ok: CAV303
        np.unravel_index(indices=2, dims=(2, 2))
    # expect: CAV303
    return np.unravel_index(indices=2, hape=(2, 2))


def test_memmap(tmp_path):
    fp = np.memmap(tmp_path / "f", dtype="float32", mode="w+", shape=(3, 4))
    tmp = fp + 10
    if isinstance(tmp, np.memmap):
        # ok: CAV301
        assert tmp._mmap is not fp._mmap
    # expect: CAV301
    return fp.flushh()


def test_rich_comparison_and_void():
    a = np.arange(3)
    # ok: CAV301
    assert (a == 1).all()
    # ok: CAV303
    res = np.void(b"abc", dtype="V3")
    # expect: CAV303
    return res, np.void(b"abc", dtyp="V3")


def alias_still_served():
    # ok: CAV301
    return np.bool8(True), np.int0
'''


@pytest.mark.slow
def test_numpy_test_suite_lines(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import PINNED, api_findings, expected_lines, lines_of

    env = venv_factory(*PINNED)  # the same venv as test_issue11 (numpy 1.26.4)
    findings, notes = api_findings(tmp_path, str(env), NUMPY_TESTS, "test_numpy_client.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code in ("CAV301", "CAV303", "CAV304")]
    for code in ("CAV301", "CAV303"):
        assert lines_of(findings, code) == expected_lines(NUMPY_TESTS, code), (code, shown, notes)


# --- end to end, on pydantic 2.9.2's own test code ------------------------------------------
PYDANTIC_TESTS = '''from typing import Optional

from annotated_types import Interval
from pydantic import AliasGenerator, BaseModel, ConfigDict, Field, PlainSerializer, RootModel


class Foo(BaseModel):
    id: Optional[int]


class Bar(BaseModel):
    foo: Optional[Foo]


class Baz(Bar):
    name: str


# ok: CAV303
z = Baz(foo={"id": 1}, name="test")
# expect: CAV303
Baz(foo={"id": 1}, nmae="test")


class CustomBaseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HealthStatus(CustomBaseModel):
    status: str
    description: Optional[str] = None


# ok: CAV303
hs = HealthStatus(status="healthy")
# expect: CAV303
HealthStatus(state="healthy")


class Model(BaseModel):
    x: float


class ForwardReferencingModel(Model):
    future: "FutureModel"


class FutureModel(Model):
    pass


# ok: CAV303
ForwardReferencingModel(x=1, future=FutureModel(x=1))

x_alias = "y"


class DynamicAliasModel(BaseModel):
    x: str = Field(..., alias=x_alias)
    z: int


# ok: CAV303
DynamicAliasModel(y="y", z="1")


class AliasGeneratorModel(BaseModel):
    x: int

    model_config = ConfigDict(alias_generator=lambda x: x + "_")


# ok: CAV303
AliasGeneratorModel(x_=1)


class KwargsAliasGeneratorModel(BaseModel, alias_generator=lambda x: x + "_"):
    x: int


# ok: CAV303
KwargsAliasGeneratorModel(x_=1)


class KwargsExtraModel(BaseModel, extra="allow"):
    x: int


# ok: CAV303
KwargsExtraModel(x=1, anything=2)

class StrRootModel(RootModel[str]):
    pass


# ok: CAV303
StrRootModel(root="a")
# expect: CAV303
StrRootModel(rot="a")

# library dataclasses: their __init__ is generated from their fields
# ok: CAV303
AliasGenerator(alias=str.upper, validation_alias=None)
# ok: CAV303
Interval(ge=1, lt=4)
# ok: CAV303
PlainSerializer(lambda v: v, return_type=str, when_used="json")
'''


@pytest.mark.slow
def test_pydantic_test_suite_lines(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import api_findings, expected_lines, lines_of
    from tests.api.test_recall import PINNED

    env = venv_factory(*PINNED)  # the same venv as test_recall (pydantic 2.9.2, annotated-types 0.7.0)
    findings, notes = api_findings(tmp_path, str(env), PYDANTIC_TESTS, "test_pydantic_client.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code in ("CAV301", "CAV303", "CAV304")]
    assert lines_of(findings, "CAV303") == expected_lines(PYDANTIC_TESTS, "CAV303"), (shown, notes)


# --- end to end, on pandas 2.2.3's own test code --------------------------------------------
PANDAS_TESTS = '''import pandas as pd
from pandas import date_range, timedelta_range


def test_round():
    rng = date_range(start="2016-01-01", periods=5, freq="30Min")
    # ok: CAV303
    result = rng.round(freq="h")
    td = timedelta_range(start="16801 days", periods=5, freq="30Min")
    # ok: CAV303
    return result, td.round(freq="h")


def test_index_round():
    index = pd.Index([1.25, 2.5])
    # expect: CAV303
    return index.round(decimal=1)
'''


@pytest.mark.slow
def test_pandas_test_suite_lines(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import PINNED, api_findings, expected_lines, lines_of

    env = venv_factory(*PINNED)  # the same venv as test_issue11 (pandas 2.2.3)
    findings, notes = api_findings(tmp_path, str(env), PANDAS_TESTS, "test_pandas_client.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code in ("CAV301", "CAV303", "CAV304")]
    assert lines_of(findings, "CAV303") == expected_lines(PANDAS_TESTS, "CAV303"), (shown, notes)


# --- real applications (judged by triage3 on pretalx 2025.2.2 and jupyterhub 6.1.1) ---------
APPLICATION_CODE = '''class Event:
    objects = None

    def get_mail_backend(self):
        return None


def mail(event: int = None, text: str = ""):
    event = Event.objects.get(pk=event)
    # ok: CAV301
    backend = event.get_mail_backend()
    # expect: CAV301
    return backend, text.uppercase()


class Trait:
    @property
    def help(self):
        return self._help

    # ok: CAV301
    @help.setter
    def help(self, value):
        self._help = value

    # expect: CAV301
    @staticmethod.setter
    def other(self):
        return None


class Revision:
    def __init__(self, text):
        self.text = text


class Page:
    def __init__(self, name):
        self.name = name


def mapper(cls, table):
    return cls, table


# a class handed to a library function may get attributes from it (SQLAlchemy's classical
# mapping: columns become class attributes); the project's own functions are read instead
from sqlalchemy.orm import mapper as classical_mapper  # noqa: E402

classical_mapper(Revision, "revision_table")
mapper(Page, "page_table")
# ok: CAV301
latest = Revision.revision_id
# expect: CAV301
first = Page.page_id
'''


def test_application_code_lines(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import api_findings, expected_lines, lines_of

    findings, notes = api_findings(tmp_path, str(venv_factory()), APPLICATION_CODE, "app_module.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code in ("CAV301", "CAV303", "CAV304")]
    assert lines_of(findings, "CAV301") == expected_lines(APPLICATION_CODE, "CAV301"), (shown, notes)


# octoprint/users.py (OctoPrint 1.11.8): a module-level name bound by an import, then by a class
SHADOWED_CODE = '''from json import JSONDecoder

AccessDecoder = JSONDecoder


class JSONDecoder(AccessDecoder):
    def __init__(self, strict):
        # ok: CAV303
        AccessDecoder(strict=strict, object_hook=None)


class Other:
    def __init__(self, strict):
        self.strict = strict


# expect: CAV303
Other(strictt=True)
'''


def test_a_name_bound_by_an_import_and_a_class_is_either(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import api_findings, expected_lines, lines_of

    findings, notes = api_findings(tmp_path, str(venv_factory()), SHADOWED_CODE, "users.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code.startswith("CAV3")]
    assert lines_of(findings, "CAV303") == expected_lines(SHADOWED_CODE, "CAV303"), (shown, notes)


# label-studio: typeshed's return type is a Protocol; the object at run time (an
# email.message.Message) has more members than the protocol lists
PROTOCOL_CODE = '''import importlib.metadata


def version(name: str):
    # ok: CAV301
    found = importlib.metadata.metadata(name).get("version")
    # expect: CAV301
    return found, name.uppercase()
'''


def test_a_protocol_return_type_does_not_list_every_member(tmp_path: Path, venv_factory) -> None:
    from tests.api.test_issue11 import api_findings, expected_lines, lines_of

    findings, notes = api_findings(tmp_path, str(venv_factory()), PROTOCOL_CODE, "meta.py")
    shown = [f"{f.line}: {f.code} {f.message}" for f in findings if f.code.startswith("CAV3")]
    assert lines_of(findings, "CAV301") == expected_lines(PROTOCOL_CODE, "CAV301"), (shown, notes)
