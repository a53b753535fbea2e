"""The rule anatomy: metadata, documentation and a check over one block's AST.

A rule module holds one ``Rule`` subclass; its documentation is the module
docstring (sections: What it does / Why is this bad? / Example / Use instead /
Fix safety / References). ``check`` receives a ``RuleContext`` and calls
``ctx.report``. Rules never resolve names themselves: they ask the context for
qualified names, parents and source text, so resolution lives in one place.
"""
from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Iterator, TypeVar

from caveat.engine.findings import Finding, Fix, Position, Severity, TextEdit
from caveat.engine.tree_index import TreeIndex, index_tree

N = TypeVar("N", bound=ast.AST)
_UNSET = object()  # an option no one configured


@dataclass(frozen=True)
class Option:
    """A setting a rule (or the engine) accepts, under ``[tool.caveat.options.<rule-name>]``.

    ``type`` is ``bool``, ``int``, ``float`` (an integer is accepted and kept as one) or
    ``str``; ``above`` / ``at_least`` bound a number."""

    name: str  # kebab-case
    type: type
    default: Any
    doc: str
    above: float | None = None
    at_least: float | None = None

    @property
    def kind(self) -> str:
        """What a valid value is, in words (for errors and the docs)."""
        words = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[self.type]
        if self.above is not None:
            words += f" greater than {self.above:g}"
        if self.at_least is not None:
            words += f" of at least {self.at_least:g}"
        return words

    def parse(self, value: Any) -> Any:
        """``value`` if it is valid for this option, else ValueError saying what is expected."""
        if self.type is bool:
            ok = isinstance(value, bool)
        elif self.type in (int, float):
            ok = isinstance(value, (int, float) if self.type is float else int) and not isinstance(value, bool)
            ok = ok and value == value and value not in (float("inf"), float("-inf"))  # no NaN, no infinity
            ok = ok and (self.above is None or value > self.above) and (self.at_least is None or value >= self.at_least)
        else:
            ok = isinstance(value, self.type)
        if not ok:
            raise ValueError(f"must be {self.kind}, got {json.dumps(value, default=repr)}")
        return value

    def toml(self) -> str:
        """``name = default`` as it is written in pyproject.toml."""
        value = self.default
        return f"{self.name} = {str(value).lower() if isinstance(value, bool) else json.dumps(value)}"


@dataclass(frozen=True)
class RuleInfo:
    """What listings, hover and reports need to know about any code."""

    code: str
    name: str
    category: str
    cwe: int | None
    severity: Severity
    fixable: bool
    doc: str
    origin: str  # "caveat" or "bandit"
    options: tuple[Option, ...] = ()

    @property
    def summary(self) -> str:
        """The first sentence of 'What it does'."""
        text = self.doc.split("## What it does", 1)[-1].strip()
        first = text.split("\n\n", 1)[0].replace("\n", " ").strip()
        return first or self.name

    @property
    def url(self) -> str | None:
        """A real page about the code: bandit's docs for bandit tests, else the CWE entry."""
        if self.origin == "bandit":
            return f"https://bandit.readthedocs.io/en/latest/search.html?q={self.code}"
        if self.cwe:
            return f"https://cwe.mitre.org/data/definitions/{self.cwe}.html"
        return None


class Rule:
    """Subclass with class attributes and a ``check`` method; one per module."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    cwe: ClassVar[int | None] = None
    severity: ClassVar[Severity] = Severity.WARNING
    fixable: ClassVar[bool] = False
    # Bandit test ids this rule reports more specifically; when both fire on the
    # same line, the bandit finding is dropped (one defect, one diagnostic).
    supersedes: ClassVar[tuple[str, ...]] = ()
    # Bandit test ids this rule covers precisely enough that they are off by
    # default (a user can still select them by exact code).
    replaces: ClassVar[tuple[str, ...]] = ()
    # False for rules whose findings another stage produces (the API rules): the local
    # engine does not run their ``check`` on every block.
    local: ClassVar[bool] = True
    # The settings this rule accepts, under ``[tool.caveat.options.<name>]``; the engine
    # passes the rule their values (defaults filled in) as ``ctx.options``.
    options: ClassVar[tuple[Option, ...]] = ()
    # Narrower claims this rule's findings can make (``Finding.claim``), each with its own
    # measured precision (``meta.MEASURED_CLAIMS``): e.g. ``("request",)``.
    claims: ClassVar[tuple[str, ...]] = ()

    def check(self, ctx: "RuleContext") -> None:
        raise NotImplementedError

    def option(self, ctx: "RuleContext", name: str) -> Any:
        """The value of this rule's option ``name``: configured, else its declared default
        (a context made without the engine may carry none)."""
        value = ctx.options.get(name, _UNSET)
        if value is not _UNSET:
            return value
        for option in self.options:
            if option.name == name:
                return option.default
        raise KeyError(f"{self.code} declares no option `{name}`")

    @classmethod
    def info(cls) -> RuleInfo:
        doc = (sys.modules[cls.__module__].__doc__ or cls.__doc__ or "").strip()
        return RuleInfo(cls.code, cls.name, cls.category, cls.cwe, default_severity(cls),
                        cls.fixable, _with_options(doc, cls.name, cls.options), "caveat", cls.options)


def default_severity(rule: type[Rule] | Rule) -> Severity:
    """The rule's severity as the precision policy allows it (``meta.capped_severity``)."""
    from caveat.rules.meta import capped_severity

    return capped_severity(rule.code, rule.severity)


def _with_options(doc: str, name: str, options: tuple[Option, ...]) -> str:
    """The documentation with an ``## Options`` section (before ``## References``, as ruff's)."""
    if not options:
        return doc
    lines = ["## Options", "In pyproject.toml (the editor's `options` setting takes the same table), "
             "with the defaults:", "```toml", f"[tool.caveat.options.{name}]", *(o.toml() for o in options), "```", "",
             *(f"- `{o.name}` ({o.kind}): {o.doc}" for o in options)]
    section = "\n".join(lines)
    before, marker, after = doc.partition("\n## References")
    if not marker:
        return f"{doc}\n\n{section}"
    return f"{before.rstrip()}\n\n{section}\n{marker}{after}"


class RuleContext:
    """One parsed block, with the module's facts and the helpers rules share.

    Line numbers are those of the parsed text (``ast`` convention); the engine
    shifts them into the document. Columns are ``ast`` UTF-8 byte offsets on the
    way in and are converted to code points when reported.
    """

    def __init__(self, tree: ast.Module, parse_text: str, imports: dict[str, str],
                 functions: dict[str, ast.AST], path: str = "", first_line: int = 1,
                 options: dict | None = None, index: TreeIndex | None = None) -> None:
        self.tree = tree
        self.text = parse_text
        self.lines = parse_text.splitlines(keepends=True)
        self.path = path
        # Lines before this one belong to the stub class header of a member block.
        self.first_line = first_line
        self.module_functions = functions
        self.options = options or {}
        self.findings: list[Finding] = []
        self._by_type, self._parents = index or index_tree(tree)
        self.imports = dict(imports)
        for node in self.nodes(ast.Import, ast.ImportFrom):
            for local, qualified in _bindings(node):
                self.imports[local] = qualified

    # --- navigation -------------------------------------------------------
    def nodes(self, *types: type[N]) -> list[N]:
        """All nodes of the given types in the block, in source order."""
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        found = [n for t in types for n in self._by_type.get(t, ())]
        found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return found

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self._parents.get(node)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        node = self._parents.get(node)
        while node is not None:
            yield node
            node = self._parents.get(node)

    def enclosing(self, node: ast.AST, *types: type[N]) -> N | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, types):
                return ancestor
        return None

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.enclosing(node, ast.FunctionDef, ast.AsyncFunctionDef)

    def statement_of(self, node: ast.AST) -> ast.stmt:
        while not isinstance(node, ast.stmt):
            node = self._parents[node]
        return node

    # --- names ------------------------------------------------------------
    def qualified_name(self, node: ast.AST) -> str | None:
        """``sp.run`` -> ``subprocess.run`` after ``import subprocess as sp``.

        Names bound by no import resolve to themselves only for builtins
        (``open`` -> ``open``); other unresolved names give None.
        """
        if isinstance(node, ast.Call):
            node = node.func
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None:
            if node.id in _BUILTINS and not parts:
                return node.id
            return None
        return ".".join([base, *reversed(parts)])

    def dotted_name(self, node: ast.AST) -> str | None:
        """The source-level dotted name (``cursor.execute``), resolved or not."""
        if isinstance(node, ast.Call):
            node = node.func
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            return ".".join([node.id, *reversed(parts)])
        return None

    def is_imported(self, module: str) -> bool:
        """True when the block or module imports ``module`` or something under it."""
        prefix = module + "."
        return any(q == module or q.startswith(prefix) for q in self.imports.values())

    def imports_any(self, *modules: str) -> bool:
        """``is_imported`` for several modules. Ask this, not ``imports.values()``: the
        engine records each answer, so the rule re-runs only when one of *these* changes,
        not on every keystroke in any import line."""
        return any(self.is_imported(module) for module in modules)

    # --- shared work ------------------------------------------------------
    def memo(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()`` once per block and module context, shared by all the rules that ask
        for ``name`` on this block (an index of the block's flows, say).

        Anything derived from the module's facts (imports, module functions) must be
        shared this way, never as an attribute of the context: the engine records what
        each rule reads of the module, and counts what is read while building or using
        a memo as read by every rule that asks for one (see ``caveat.engine.analyzer``),
        so no rule's cached result outlives a fact it depended on through the memo.
        The memo is keyed by the objects it was built with (the tree and the module
        facts), so a context the engine rebinds to other facts builds it anew."""
        memos = self.__dict__.setdefault("_block_memos", {})
        binding = (self.tree, self.module_functions, self.imports, self.path)
        entry = memos.get(name)
        if entry is not None and all(a is b for a, b in zip(entry[0], binding)):
            return entry[1]
        value = build()
        memos[name] = (binding, value)
        return value

    # --- source -----------------------------------------------------------
    def source(self, node: ast.AST) -> str:
        """The node's source text (sliced from the block's lines: ``ast.get_source_segment``
        re-splits the whole text on every call, which dominates rules on long blocks)."""
        lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if None in (lineno, end_lineno, col, end_col) or end_lineno > len(self.lines):
            return ""
        if lineno == end_lineno:
            line = self.lines[lineno - 1]
            if line.isascii():
                return line[col:end_col]
            return line.encode("utf-8")[col:end_col].decode("utf-8", "replace")
        lines = [self.lines[i].encode("utf-8") for i in range(lineno - 1, end_lineno)]
        return b"".join([lines[0][col:], *lines[1:-1], lines[-1][:end_col]]).decode("utf-8", "replace")

    def position(self, line: int, byte_col: int) -> Position:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return Position(line, byte_col)
        return Position(line, len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")))

    def start(self, node: ast.AST) -> Position:
        return self.position(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> Position:
        return self.position(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)

    def replace(self, node: ast.AST, text: str) -> TextEdit:
        return TextEdit(self.start(node), self.end(node), text)

    def insert(self, at: Position, text: str) -> TextEdit:
        return TextEdit(at, at, text)

    def indent_of(self, node: ast.AST) -> str:
        line = self.lines[node.lineno - 1]
        return line[: len(line) - len(line.lstrip(" \t"))]

    # --- output -----------------------------------------------------------
    def report(self, rule: type[Rule] | Rule, node: ast.AST | None, message: str, *,
               fix: Fix | None = None, severity: Severity | None = None,
               start: Position | None = None, end: Position | None = None, claim: str = "") -> None:
        """Record a finding on ``node`` (or the explicit ``start``/``end``); ``claim``: what the
        finding claims when that is narrower than the rule (``Finding.claim``)."""
        if start is None:
            start = self.start(node)
        if end is None:
            end = self.end(node) if node is not None else start
        if start.line != end.line and node is not None and not isinstance(node, ast.stmt):
            # Multi-line expressions: underline the first line only, as editors
            # render long squiggles badly; the fix still covers the whole node.
            first = self.lines[start.line - 1].rstrip("\r\n")
            end = Position(start.line, len(first))
        self.findings.append(Finding(
            code=rule.code, name=rule.name, category=rule.category, cwe=rule.cwe,
            severity=_capped(rule.code, severity) if severity else default_severity(rule), message=message,
            line=start.line, col=start.col, end_line=end.line, end_col=end.col, fix=fix, claim=claim,
        ))


def _bindings(node: ast.Import | ast.ImportFrom) -> Iterable[tuple[str, str]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                yield alias.name.split(".")[0], alias.name.split(".")[0]
    else:
        base = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"{base}.{alias.name}" if base else alias.name


def _capped(code: str, severity: Severity) -> Severity:
    from caveat.rules.meta import capped_severity

    return capped_severity(code, severity)


_BUILTINS = frozenset(dir(__import__("builtins")))

CheckFn = Callable[[RuleContext], None]
