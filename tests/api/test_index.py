"""The static index on a hand-made installed package: each mechanism that decides "missing"
or "closed", with the look-alike that must stay open. The package is real files in a real
venv layout (dist-info, RECORD, a stub); the index reads them with ``ast``."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from caveat.environment import from_path
from caveat.providers.api.index import ApiIndex, Ref

RUNTIME = '''
import functools
from ._impl import *
from .proxy import LocalProxy


def set_module(module):
    def decorator(func):
        func.__module__ = module
        return func
    return decorator


def register(cls):
    cls.extra()
    return cls


def get(url, params=None, **kwargs):
    return request("get", url, params=params, **kwargs)


def request(method, url, **kwargs):
    with Session() as session:
        return session.request(method=method, url=url, **kwargs)


def loose(**kwargs):
    return kwargs


def rejecting(a, **kwargs):
    strict = kwargs.pop("strict", False)
    if kwargs:
        raise TypeError("unexpected")
    return a, strict


def to_param(func, **kwargs):
    return func(**kwargs)


class Session:
    def __init__(self):
        self.headers = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def request(self, method, url, timeout=None, verify=True):
        return Response()

    def get(self, url, **kwargs):
        kwargs.setdefault("verify", True)
        return self.request("GET", url, **kwargs)


class Response:
    status = 200

    def json(self):
        return {}


@set_module("pkg")
class Labelled:
    def ok(self):
        return 1


@register
class Registered:
    pass


class Base:
    def __new__(cls, kind=None):
        if kind:
            return Special()
        return super().__new__(cls)


class Special(Base):
    def special(self):
        return 1


class Declared:
    pass


class Derived(Declared):
    def only_here(self):
        return 1


current: Response = LocalProxy(lambda: Response())
DEFAULT = Session()


def __getattr__(name):
    if name == "lazy":
        return 1
    raise AttributeError(name)
'''

IMPL = '''
def helper():
    return 1
'''

PROXY = '''
class LocalProxy:
    __slots__ = ("_get_current_object",)

    def __init__(self, local):
        object.__setattr__(self, "_get_current_object", local)

    def __getattr__(self, name):
        return getattr(self._get_current_object(), name)
'''

STUB = '''
def stale(a: int, b: int = ...) -> int: ...
'''

STALE = '''
def stale(a, b=0, *, added=None):
    return a
'''


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> ApiIndex:
    prefix = tmp_path_factory.mktemp("env")
    site = prefix / "lib" / "python3.11" / "site-packages"
    package = site / "pkg"
    package.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    files = {"__init__.py": RUNTIME, "_impl.py": IMPL, "proxy.py": PROXY, "stale.py": STALE, "stale.pyi": STUB}
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))
    info = site / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
    (info / "RECORD").write_text("".join(f"pkg/{name},,\n" for name in files))
    import os

    os.environ["CAVEAT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return ApiIndex(from_path(prefix, "test"))
    finally:
        del os.environ["CAVEAT_CACHE_DIR"]


def keywords(index: ApiIndex, dotted: str):
    ref = index.resolve(dotted)
    assert ref is not None, dotted
    return index.keywords(ref)


def test_kwargs_forwarding_is_followed_to_closed_signatures(index: ApiIndex) -> None:
    answer = keywords(index, "pkg.get")
    assert answer.closed and {"params", "timeout", "verify"} <= answer.names and "timout" not in answer.names
    method = keywords(index, "pkg.Session.get")
    assert method.closed and {"timeout", "verify"} <= method.names


def test_kwargs_that_go_anywhere_stay_open(index: ApiIndex) -> None:
    assert not keywords(index, "pkg.loose").closed  # accepts and keeps anything
    assert not keywords(index, "pkg.to_param").closed  # forwarded to a callable parameter
    rejecting = keywords(index, "pkg.rejecting")
    assert rejecting.closed and rejecting.names == {"a", "strict"}


def test_stub_and_runtime_are_merged(index: ApiIndex) -> None:
    answer = keywords(index, "pkg.stale.stale")
    assert answer.closed and answer.names == {"a", "b", "added"}  # the stub forgot `added`


def test_module_members_through_star_imports_and_a_raising_getattr(index: ApiIndex) -> None:
    names = index.members(Ref("module", "pkg"))
    assert names.closed and {"helper", "lazy", "Session", "proxy"} <= names.names
    assert "nothing_like_this" not in names.names


def test_decorators_that_return_their_argument_keep_the_class_closed(index: ApiIndex) -> None:
    assert index.members(index.resolve("pkg.Labelled")).closed
    registered = index.members(index.resolve("pkg.Registered"))
    assert not registered.closed and "register" in registered.reason


def test_new_returning_other_classes_opens_the_class(index: ApiIndex) -> None:
    assert not index.members(index.resolve("pkg.Base")).closed


def test_subclasses_of_a_declared_base(index: ApiIndex) -> None:
    subclasses = index.subclasses(index.resolve("pkg.Declared"))
    assert [s.full_name for s in subclasses] == ["pkg.Derived"]
    assert "only_here" in index.members(subclasses[0]).names


def test_a_proxy_annotated_as_its_target_has_both_member_sets(index: ApiIndex) -> None:
    current = index.resolve("pkg.current")
    assert current.kind == "instance" and current.full_name == "pkg.Response"
    names = index.members(current)
    assert names.closed and {"json", "status", "_get_current_object"} <= names.names


def test_module_level_instances(index: ApiIndex) -> None:
    default = index.resolve("pkg.DEFAULT")
    assert default == Ref("instance", "pkg", "Session")
    assert "headers" in index.members(default).names  # assigned in __init__


def test_entries_are_stored_on_disk_and_reused(index: ApiIndex, tmp_path: Path) -> None:
    folder = next(index.root.glob("pkg-1.0-*"))
    assert (folder / "pkg.json").is_file()
    again = ApiIndex(index.env)
    again.root = index.root
    again.members(Ref("module", "pkg"))
    assert again.stats["built"] == 0 and again.stats["loaded"] >= 1
