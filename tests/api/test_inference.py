"""Receiver and callee inference (caveat.providers.api.inference) and the index queries it
uses, on a hand-made installed package (real files in a real venv layout, read with ``ast``)
and on the standard library."""
from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import pytest

from caveat.engine.blocks import split_blocks
from caveat.engine.context import build_context
from caveat.environment import from_path
from caveat.providers.api.index import ApiIndex, Ref
from caveat.providers.api.inference import Inference, ModuleModel

LIBRARY = '''
from typing import TYPE_CHECKING, Optional, Self, overload, dataclass_transform


class Delta:
    days: int

    def total_seconds(self) -> float: ...


class Moment:
    @overload
    def __sub__(self, other: Self) -> Delta: ...
    @overload
    def __sub__(self, other: Delta) -> Self: ...
    def __sub__(self, other):
        return other

    def shifted(self) -> Self:
        return self


class Response:
    status: int

    def __init__(self):
        self.headers = Headers()
        self.reason = None

    def json(self) -> dict:
        return {}

    @property
    def elapsed(self) -> Delta:
        return Delta()


class Headers:
    def get(self, key): ...


from contextlib import contextmanager
from typing import Iterator


@contextmanager
def opened(path) -> Iterator[Response]:
    yield Response()


class Client:
    def get(self, url) -> Response:
        return Response()

    async def aget(self, url) -> "Optional[Response]":
        return Response()

    def __enter__(self) -> Self:
        return self


class Model:
    if not TYPE_CHECKING:
        def __getattr__(self, name):
            raise AttributeError(name)

    def dump(self) -> dict:
        return {}


@dataclass_transform()
class Meta(type):
    def fields_of(cls) -> list: ...


class Declarative(metaclass=Meta):
    def save(self) -> None: ...


class Dynamic:
    def __getattr__(self, name):
        return 1
'''


def _package(tmp_path_factory, files: dict[str, str]) -> ApiIndex:
    prefix = tmp_path_factory.mktemp("env")
    site = prefix / "lib" / "python3.11" / "site-packages"
    package = site / "lib"
    package.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))
    info = site / "lib-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lib\nVersion: 1.0\n")
    (info / "RECORD").write_text("".join(f"lib/{name},,\n" for name in files))
    os.environ["CAVEAT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return ApiIndex(from_path(prefix, "test"))
    finally:
        del os.environ["CAVEAT_CACHE_DIR"]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> ApiIndex:
    return _package(tmp_path_factory, {"__init__.py": LIBRARY})


def ref(index: ApiIndex, dotted: str) -> Ref:
    found = index.resolve(dotted)
    assert found is not None, dotted
    return found


# --- the index queries -----------------------------------------------------------------
def test_each_overload_keeps_its_argument_and_return(index: ApiIndex) -> None:
    assert index.signatures(ref(index, "lib.Moment.__sub__")) == [("Self", "Delta"), ("Delta", "Self")]
    assert index.signatures(ref(index, "lib.Client.get")) == [(None, "Response")]


def test_async_functions_are_known(index: ApiIndex) -> None:
    assert index.is_async(ref(index, "lib.Client.aget"))
    assert not index.is_async(ref(index, "lib.Client.get"))


def test_data_attributes_have_their_annotation_or_constructor(index: ApiIndex) -> None:
    response = ref(index, "lib.Response")
    assert index.attribute_type(response, "status") == ("int", "lib")
    assert index.attribute_type(response, "headers") == ("call:Headers", "lib")
    assert index.attribute_type(response, "reason") is None  # assigned None: nothing to say


def test_a_getattr_hidden_from_type_checkers_keeps_the_class_closed(index: ApiIndex) -> None:
    assert index.members(ref(index, "lib.Model")).closed
    assert not index.members(ref(index, "lib.Dynamic")).closed


def test_a_dataclass_transform_metaclass_keeps_the_class_closed_and_adds_its_members(index: ApiIndex) -> None:
    names = index.members(ref(index, "lib.Declarative"))
    assert names.closed and {"save", "fields_of"} <= names.names


# --- inference over project code ------------------------------------------------------
def infer(index: ApiIndex, code: str, expression_line: int) -> tuple | None:
    """Values of the last expression statement on ``expression_line`` (1-based) of ``code``."""
    code = textwrap.dedent(code)
    blocks = split_blocks(code)
    context, facts = build_context(blocks)
    model = ModuleModel.build(blocks, facts, context.imports)
    for block, block_facts in zip(blocks, facts):
        if block_facts.tree is None:
            continue
        inference = Inference(index, model, block_facts.tree)
        for node in ast.walk(block_facts.tree):
            if isinstance(node, ast.Expr) and node.lineno + block.line_offset == expression_line:
                return inference.values(node.value)
    raise AssertionError(f"no expression on line {expression_line}")


def names(values) -> list[str]:
    return sorted(f"{v.kind}:{v.ref.full_name if v.ref else v.project.name}" for v in values or ())


CLIENT = '''
import lib
from lib import Client, Moment


def fetch(client: Client, url: str, moment: Moment, other: Moment):
    resp = client.get(url)
    resp
    resp.headers
    resp.elapsed
    moment - other
    moment - (moment - other)
    moment.shifted()
    url.strip().upper()
    with Client() as session:
        session
    local = lib.Client()
    local


async def later(client: lib.Client):
    resp = await client.aget("x")
    resp
'''


@pytest.mark.parametrize("line, expected", [
    (8, ["instance:lib.Response"]),  # a method's annotated return
    (9, ["instance:lib.Headers"]),  # self.headers = Headers() in __init__
    (10, ["instance:lib.Delta"]),  # a property's return
    (11, ["instance:lib.Delta"]),  # Moment - Moment: the overload taking Self
    (12, ["instance:lib.Moment"]),  # Moment - Delta: the other overload
    (13, ["instance:lib.Moment"]),  # -> Self on the receiver
    (14, ["instance:builtins.str"]),  # str methods return str
    (16, ["instance:lib.Client"]),  # with: __enter__ -> Self
    (18, ["instance:lib.Client"]),  # a constructor
    (23, ["instance:lib.Response"]),  # await an async method; Optional unwrapped
])
def test_values_of_library_calls_annotations_operators_and_with(index: ApiIndex, line: int, expected) -> None:
    assert names(infer(index, CLIENT, line)) == expected


def test_built_values_are_exact_and_annotated_ones_declared(index: ApiIndex) -> None:
    (built,) = infer(index, CLIENT, 18)
    assert built.exact and not built.declared and not built.origin
    (result,) = infer(index, CLIENT, 14)  # url.strip().upper(): declared by the stub's annotation
    assert result.declared and result.origin == "builtins" and not result.exact
    (parameter,) = infer(index, UNKNOWN_ORIGIN, 4)
    assert parameter.declared and parameter.origin == "project"


UNKNOWN_ORIGIN = '''
import lib
def annotated(client: lib.Client):
    client
'''

UNKNOWN = '''
import lib


def unknown(client, items: list, flag: bool):
    client
    resp = client.get("x")
    resp
    value = lib.Client() if flag else None
    value
    for entry in items:
        entry
    again = lib.Client()
    again = make()
    again
'''


@pytest.mark.parametrize("line", [6, 8, 10, 12, 15])
def test_what_cannot_be_known_is_unknown(index: ApiIndex, line: int) -> None:
    """An unannotated parameter, a call on it, a branch with None, a loop variable, a name
    with one binding that is not understood: None (the checks stay silent)."""
    assert infer(index, UNKNOWN, line) is None


MODELS = '''
from lib import Model, Response


class Order(Model):
    number: int
    reply: Response

    def total(self) -> float:
        self.cache = {}
        return 1.0

    def again(self):
        self
        self.reply
        self.cache


Order
Order()
Order().dump()
'''


def test_project_classes_and_their_members(index: ApiIndex) -> None:
    (klass,) = infer(index, MODELS, 19)
    assert klass.project.name == "Order" and klass.kind == "class"
    (built,) = infer(index, MODELS, 20)
    assert built.project.name == "Order" and built.kind == "instance" and built.exact
    assert names(infer(index, MODELS, 21)) == ["instance:builtins.dict"]  # a library base's method
    (own,) = infer(index, MODELS, 14)
    assert own.project.name == "Order" and not own.exact  # self: a subclass may stand in
    assert names(infer(index, MODELS, 15)) == ["instance:lib.Response"]  # a field's annotation
    assert names(infer(index, MODELS, 16)) == ["instance:builtins.dict"]  # self.cache = {}


MORE = '''
import lib


class Cache:
    def __init__(self, client: lib.Client) -> None:
        self.client = client

    def fetch(self, url: str):
        self.client


def each(values: list[str], pairs: tuple[lib.Client, ...], mixed: tuple[str, int]):
    any(v for v in values) and values[0]
    for pair in pairs:
        pair
    for item in mixed:
        item
    with lib.opened("x") as response:
        response
'''


@pytest.mark.parametrize("line, expected", [
    (10, ["instance:lib.Client"]),  # self.client = client (an annotated parameter), read in another method
    (14, []),  # a subscript: unknown (the comprehension's variable: see tests/fixtures/rules/api)
    (16, ["instance:lib.Client"]),  # a loop over tuple[Client, ...]
    (18, []),  # tuple[str, int]: each item is one or the other: unknown
    (20, ["instance:lib.Response"]),  # a @contextmanager function: what it yields
])
def test_values_across_members_loops_and_context_managers(index: ApiIndex, line: int, expected) -> None:
    assert names(infer(index, MORE, line)) == expected
