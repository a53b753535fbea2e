"""A declared type is a claim about an object, not the object: false CAV301 alarms judged on
real applications (session 6 brief, issue 11) and on real client code, each through the
mechanism that made it, on real packages in a real venv (flask 3.0.3 with its Jinja2).

- a function's return annotation that its own ``return`` statements do not back
  (label-studio: ``-> Union[OrderedDict, None]`` returning an lxml element, then ``.findall``);
- an overload picked without its TypeVar bound (jupyterhub: ``asyncio.ensure_future(coro)``:
  typeshed's ``_FT`` overload is bound to ``Future``, a coroutine takes the ``Task`` one);
- attributes a library class sets from data in an ordinary method (``setattr(cls, name, ...)``:
  OctoPrint's ``Events.register_event``, Jinja2's ``Environment.extend``);
- a framework proxy's declared class when the application subclasses it (OctoPrint:
  ``flask.request.cookie_suffix`` on its own ``Request`` subclass);
- a stub's base class whose members the stub declares on its subclasses (``ast.AST.col_offset``);
- a private class a stub invents that the runtime module does not have (``dbm.open()`` ->
  ``dbm._Database``, the runtime backends have ``sync``).

Each ``# expect`` keeps the check honest: where the types are certain it still speaks.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_issue11 import api_findings, expected_lines, lines_of

pytestmark = pytest.mark.slow

PINNED = ("pydantic==2.9.2", "flask==3.0.3")  # the same venv as test_recall

CODE = '''import ast
import asyncio
import dbm
import xml.etree.ElementTree as etree
from collections import OrderedDict
from typing import Union

import flask
from jinja2 import Environment


async def work():
    return 1


async def schedule():
    task = asyncio.ensure_future(work())
    # ok: CAV301
    task.add_done_callback(print)
    # ok: CAV301
    task.cancel()


def parse(text: str) -> Union[OrderedDict, None]:
    if text is None:
        return None
    tree = etree.fromstring(text)
    return tree


def names(text: str):
    tree = parse(text)
    # ok: CAV301
    return tree.findall(".//name")


def ordered(pairs) -> OrderedDict:
    return OrderedDict(pairs)


def first(pairs):
    # expect: CAV301
    return ordered(pairs).findall("x")


def install(env: Environment):
    # ok: CAV301
    env.install_gettext_callables(str, str)


class AppRequest(flask.Request):
    @property
    def cookie_suffix(self):
        return "_p"


def cookie_name(key):
    # ok: CAV301
    return key + flask.request.cookie_suffix


def arguments():
    # expect: CAV301
    return flask.request.argz


def offset(node: ast.AST) -> int:
    # ok: CAV301
    return node.col_offset


def offset_typo(node: ast.AST) -> int:
    # expect: CAV301
    return node.col_ofset


def flush(path):
    db = dbm.open(path, "c")
    # ok: CAV301
    db.sync()
'''


def test_declared_types_that_are_not_the_object_are_silent(tmp_path: Path, venv_factory) -> None:
    env = venv_factory(*PINNED)
    findings, notes = api_findings(tmp_path, str(env), CODE, "app.py")
    assert lines_of(findings, "CAV301") == expected_lines(CODE, "CAV301"), (
        [(f.line, f.message) for f in findings], notes)


PINNED_NUMPY = ("requests==2.32.3", "python-dateutil==2.9.0.post0", "pandas==2.2.3", "numpy==1.26.4")  # test_issue11's

NUMPY_CODE = '''import numpy as np
import numpy.core.numeric as nx


def widths():
    # ok: CAV301
    return nx.dtype(nx.int_).itemsize < nx.dtype(nx.int64).itemsize


def typo():
    # expect: CAV301
    return np.int6
'''


def test_a_stub_does_not_decide_names_a_star_import_fills_from_a_table(tmp_path: Path, venv_factory) -> None:
    """numpy's test__iotools.py: ``numpy.core.numeric`` star-imports ``numerictypes``, which sets
    ``int64`` and the other scalar types with ``globals()[key] = ...``; ``numeric.pyi`` lacks
    them. Only the module that star-imports such a module opens, not ``numpy`` above it."""
    env = venv_factory(*PINNED_NUMPY)
    findings, notes = api_findings(tmp_path, str(env), NUMPY_CODE, "widths.py")
    assert lines_of(findings, "CAV301") == expected_lines(NUMPY_CODE, "CAV301"), (
        [(f.line, f.message) for f in findings], notes)


PANDAS_CODE = '''import pandas as pd


def show(delta: pd.Timedelta):
    # ok: CAV301
    text = delta._repr_base(format="all")
    # expect: CAV301
    return text, delta.total_secs()
'''


def test_private_members_of_compiled_classes_are_not_judged_from_their_stubs(tmp_path: Path, venv_factory) -> None:
    """pandas' tests/frame/methods/test_astype.py: ``Timedelta`` is a Cython class whose stub
    (``_libs/tslibs/timedeltas.pyi``) leaves its private ``_repr_base`` out; stubs leave private
    names out, and a compiled module has nothing else to read. Public names are still checked."""
    env = venv_factory(*PINNED_NUMPY)
    findings, notes = api_findings(tmp_path, str(env), PANDAS_CODE, "deltas.py")
    assert lines_of(findings, "CAV301") == expected_lines(PANDAS_CODE, "CAV301"), (
        [(f.line, f.message) for f in findings], notes)


REBOUND_CODE = '''import json


class Base:
    pass


Base = json.loads(json.dumps({}), object_hook=lambda d: Base)


def create_all(engine):
    # ok: CAV301
    Base.metadata.create_all(engine)


class Plain:
    pass


def plain():
    # expect: CAV301
    return Plain.metadata
'''


def test_a_class_name_rebound_at_module_level_is_not_the_class(tmp_path: Path) -> None:
    """SQLAlchemy's examples/association/dict_of_sets_with_default.py: ``class Base: ...`` then
    ``Base = declarative_base(cls=Base)``; ``Base.metadata`` is the declarative base's."""
    from tests.api.test_uncertain_receivers import assert_reported_where_expected

    assert_reported_where_expected(tmp_path, "models.py", REBOUND_CODE, "CAV301")
