"""The places in one block that the API checks look at, found with ``ast``.

Positions are those of the block's ``parse_text``: lines 1-based, columns in code
points (converted from ``ast``'s UTF-8 byte offsets). The provider shifts lines into
the document with the block's ``line_offset``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

_GUARD_WORDS = ("version", "hasattr", "getattr", "platform", "py2", "py3", "py_", "type_checking",
                "has_", "_available", "is_", "sys.modules", "pypy", "implementation", "os.name", "win32",
                "windows", "darwin", "linux")
_NARROWING = ("isinstance", "issubclass", "hasattr", "getattr", "type", "callable")


@dataclass(frozen=True)
class AttrSite:
    line: int  # of the attribute name
    col: int
    end_col: int
    attr: str
    dot: tuple[int, int]  # position of the dot
    receiver_end: tuple[int, int]  # position of the receiver's last character
    receiver: str  # receiver source (shortened)
    qualified: str | None  # dotted name through the imports (``numpy.float``), if the chain is one
    is_call: bool
    parent: int | None  # index of the receiver's own AttrSite (to skip cascades)
    guarded: bool  # hasattr/try-except AttributeError/version checks around it
    check: bool  # worth asking jedi (receiver rooted in something it can infer cheaply)
    literal: str = ""  # the receiver is a literal of this builtin type ("str", "dict", ...)
    alias: bool = False  # the receiver is exactly a name bound by an import
    receiver_call: tuple[int, int] | None = None  # the receiver is a call: position after its "("
    annotated: bool = False  # the receiver is a name annotated in its scope (``name: str``)
    self_rooted: bool = False  # ``self.x.attr`` / ``cls.x.attr``


@dataclass(frozen=True)
class Keyword:
    name: str
    line: int
    col: int
    end_col: int


@dataclass(frozen=True)
class CallSite:
    line: int  # position just after the opening parenthesis
    col: int
    callee: str
    qualified: str | None
    keywords: tuple[Keyword, ...]
    has_star_kwargs: bool
    guarded: bool
    func_end: tuple[int, int]  # last character of the callee expression


@dataclass(frozen=True)
class ImportName:
    name: str
    line: int
    col: int
    end_col: int


@dataclass(frozen=True)
class ImportSite:
    line: int  # of the module name
    col: int
    end_line: int
    end_col: int
    module: str  # dotted, without the leading dots of a relative import
    level: int
    names: tuple[ImportName, ...]  # for ``from m import a, b``; empty for ``import m``
    is_from: bool
    optional: bool  # inside try/except ImportError (or Exception)
    conditional: bool  # inside an ``if`` on versions, platforms or TYPE_CHECKING
    type_checking: bool = False  # under ``if TYPE_CHECKING``: never imported at run time


@dataclass(frozen=True)
class BlockSites:
    attributes: tuple[AttrSite, ...]
    calls: tuple[CallSite, ...]
    imports: tuple[ImportSite, ...]


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class _Positions:
    def __init__(self, text: str) -> None:
        # lines as the tokenizer (and so ``ast``) counts them: only \r\n, \r and \n end one
        self.lines = _LINES.findall(text)

    def col(self, line: int, byte_col: int) -> int:
        if not 0 < line <= len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def segment(self, node: ast.AST) -> str:
        """``ast.get_source_segment`` without splitting the whole text on each call (that made
        the sites of a large block quadratic)."""
        first, last = node.lineno, node.end_lineno
        start, end = node.col_offset, node.end_col_offset
        if last is None or end is None or not 0 < first <= last <= len(self.lines):
            return ""
        if first == last:
            return self.lines[first - 1].encode("utf-8")[start:end].decode("utf-8", "replace")
        return (self.lines[first - 1].encode("utf-8")[start:].decode("utf-8", "replace")
                + "".join(self.lines[first:last - 1])
                + self.lines[last - 1].encode("utf-8")[:end].decode("utf-8", "replace"))


@lru_cache(maxsize=20_000)
def block_sites(parse_text: str, imports: tuple[tuple[str, str], ...]) -> BlockSites | None:
    """Sites of one block; ``imports`` are the module's (local name, qualified name) pairs."""
    try:
        tree = ast.parse(parse_text)
    except (SyntaxError, ValueError):
        return None
    return _Collector(tree, parse_text, dict(imports)).run()


class _Collector:
    def __init__(self, tree: ast.Module, text: str, imports: dict[str, str]) -> None:
        self.tree = tree
        self.pos = _Positions(text)
        self.imports = dict(imports)
        # one traversal: each node's parent, and the nodes ``run`` looks at
        self.parents: dict[ast.AST, ast.AST] = {}
        self._sited: list[ast.AST] = []  # attributes, calls, imports
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                stack.append(child)
            if isinstance(node, (ast.Attribute, ast.Call, ast.Import, ast.ImportFrom)):
                self._sited.append(node)
        for node in sorted((n for n in self._sited if isinstance(n, (ast.Import, ast.ImportFrom))),
                           key=lambda n: (n.lineno, n.col_offset)):  # in source order: the last binding wins
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self._tested: dict[int, set[str]] = {}
        self._stored: dict[int, set[tuple[str, str]]] = {}
        # per-scope facts, computed once per scope instead of once per site (blocks with
        # thousands of attributes made these walks quadratic)
        self._annotated_names: dict[int, set[str]] = {}
        self._bound_names: dict[int, set[str]] = {}
        self._unparsed: dict[int, str] = {}

    def run(self) -> BlockSites:
        attributes: list[AttrSite] = []
        index_of: dict[ast.AST, int] = {}
        calls: list[CallSite] = []
        imports: list[ImportSite] = []
        nodes = sorted(self._sited, key=lambda n: (n.lineno, n.col_offset, -(getattr(n, "end_col_offset", 0) or 0)))
        attr_nodes = [n for n in self._sited if isinstance(n, ast.Attribute)]
        # Receivers first (inner attributes start at the same column but end earlier).
        attr_nodes.sort(key=lambda n: (n.lineno, n.col_offset, n.end_lineno or 0, n.end_col_offset or 0))
        for node in attr_nodes:
            site = self._attribute(node, index_of)
            if site is not None:
                index_of[node] = len(attributes)
                attributes.append(site)
        for node in nodes:
            if isinstance(node, ast.Call):
                site = self._call(node)
                if site is not None:
                    calls.append(site)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.extend(self._imports(node))
        return BlockSites(tuple(attributes), tuple(calls), tuple(imports))

    # --- attributes -----------------------------------------------------
    def _attribute(self, node: ast.Attribute, index_of: dict) -> AttrSite | None:
        if not isinstance(node.ctx, ast.Load) or node.end_lineno is None:
            return None
        line = node.end_lineno
        end_col = self.pos.col(line, node.end_col_offset)
        col = end_col - len(node.attr)
        text = self.pos.text(line)
        if text[col:end_col] != node.attr:
            return None  # something odd (a comment between dot and name): skip
        dot_line, dot_col = line, col - 1
        while True:
            while dot_col >= 0 and text[dot_col] in " \t\\\r\n":
                dot_col -= 1
            if dot_col >= 0:
                break
            dot_line -= 1
            if dot_line < 1:
                return None
            text = self.pos.text(dot_line).split("#", 1)[0]
            dot_col = len(text) - 1
        value = node.value
        recv_line = value.end_lineno or value.lineno
        recv_col = self.pos.col(recv_line, value.end_col_offset or 0) - 1
        parent = self.parents.get(node)
        is_call = isinstance(parent, ast.Call) and parent.func is node
        receiver_source = self.pos.segment(value) or ""
        if len(receiver_source) > 40 or "\n" in receiver_source:
            receiver_source = receiver_source.split("\n", 1)[0][:37] + "..."
        parent_site = index_of.get(value) if isinstance(value, ast.Attribute) else None
        if parent_site is None and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            parent_site = index_of.get(value.func)
        return AttrSite(line, col, end_col, node.attr, (dot_line, dot_col), (recv_line, recv_col),
                        receiver_source, self._qualified(node), is_call, parent_site,
                        self._guarded(node, attr=node.attr, receiver=value) or self._assigned_here(node)
                        or self._ignored_line(line), self._worth_checking(node),
                        _literal_type(value), self._import_alias(value), self._call_paren(value),
                        self._annotated(node, value), self._self_rooted(value))

    def _call_paren(self, node: ast.AST) -> tuple[int, int] | None:
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        line = func.end_lineno or func.lineno
        col = self.pos.col(line, func.end_col_offset or 0)
        text = self.pos.text(line)
        while col < len(text) and text[col] in " \t":
            col += 1
        return (line, col + 1) if col < len(text) and text[col] == "(" else None

    def _annotated(self, node: ast.AST, value: ast.AST) -> bool:
        if not isinstance(value, ast.Name):
            return False
        scope = self._enclosing_function(node)
        if scope is not None and not isinstance(scope, ast.Lambda):
            for arg in all_args(scope.args):
                if arg.arg == value.id and arg.annotation is not None:
                    return True
        where = scope or self.tree
        names = self._annotated_names.get(id(where))
        if names is None:
            names = self._annotated_names[id(where)] = {
                stmt.target.id for stmt in ast.walk(where)
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)}
        return value.id in names

    def _self_rooted(self, node: ast.AST) -> bool:
        root, _ = self._root(node)
        return isinstance(root, ast.Name) and root.id in ("self", "cls")

    def _import_alias(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.imports and not self._shadowed(node)

    def _qualified(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None or self._shadowed(node):
            return None
        return ".".join([base, *reversed(parts)])

    def _shadowed(self, name: ast.Name) -> bool:
        """The name is a parameter or a local of an enclosing function (``def fixture(monkeypatch)``
        in a module that also imports ``monkeypatch``), or a name of the class body it is read in
        (``@url.setter`` over ``def url``: a method's decorators run in the class body, where the
        property defined above is ``url``): not the import."""
        if self._class_body_binds(name):
            return True
        function = self._enclosing_function(name)
        while function is not None:
            if any(arg.arg == name.id for arg in all_args(function.args)):
                return True
            if not isinstance(function, ast.Lambda) and name.id in self._stored_names(function):
                return True
            function = self._enclosing_function(function)
        return False

    def _class_body_binds(self, name: ast.Name) -> bool:
        """Read in a class body (a method's decorators and defaults run there, not in the method)
        that binds the name: another statement of the body, or the decorated definition itself
        (a member block holds one method; ``@url.setter`` over ``def url`` re-binds the class's
        ``url``, which only a property-like member of that name can have)."""
        found = class_body_reading(name, self.parents)
        if found is None:
            return False
        parent, child = found
        for stmt in parent.body:
            if stmt is child:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == name.id:
                    return True
            elif name.id in _class_level_names(stmt):
                return True
        return False

    def _stored_names(self, function: ast.AST) -> set[str]:
        names = self._bound_names.get(id(function))
        if names is None:
            names = self._bound_names[id(function)] = {
                n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return names

    def _unparse(self, node: ast.AST) -> str:
        text = self._unparsed.get(id(node))
        if text is None:
            text = self._unparsed[id(node)] = ast.unparse(node)
        return text

    def _root(self, node: ast.AST) -> tuple[ast.AST, int]:
        depth = 0
        while True:
            if isinstance(node, ast.Attribute):
                node, depth = node.value, depth + 1
            elif isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Subscript):
                node = node.value
            else:
                return node, depth

    def _worth_checking(self, node: ast.Attribute) -> bool:
        root, depth = self._root(node)
        if isinstance(root, (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Set, ast.Tuple,
                             ast.ListComp, ast.DictComp, ast.SetComp)):
            return not (isinstance(root, ast.Constant) and root.value is None)
        if isinstance(root, (ast.BinOp, ast.Await, ast.BoolOp, ast.IfExp, ast.Compare)):
            return True  # operator results, awaited calls: the static inference reads them
        if not isinstance(root, ast.Name):
            return False
        if root.id in self.imports and not self._shadowed(root):
            return True
        if root.id in ("self", "cls"):
            klass = self._enclosing_class(node)
            if klass is not None and any("dataclass" not in ast.unparse(d) for d in klass.decorator_list):
                return False  # attrs-style classes: fields are descriptors jedi misreads
            return depth >= 2
        function = self._enclosing_function(node)
        while function is not None:
            for arg in all_args(function.args):
                if arg.arg == root.id:
                    return arg.annotation is not None
            function = self._enclosing_function(function)
        return True

    def _enclosing_class(self, node: ast.AST):
        node = self.parents.get(node)
        while node is not None:
            if isinstance(node, ast.ClassDef):
                return node
            node = self.parents.get(node)
        return None

    def _enclosing_function(self, node: ast.AST):
        node = self.parents.get(node)
        while node is not None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
            node = self.parents.get(node)
        return None

    def _guarded(self, node: ast.AST, *, attr: str | None = None, errors=("AttributeError",),
                 receiver: ast.AST | None = None) -> bool:
        if receiver is not None and self._narrowed(node, receiver):
            return True
        child = node
        parent = self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
                if (child in parent.body or child in parent.orelse) and _catches(parent, errors):
                    return True
            elif isinstance(parent, (ast.If, ast.IfExp, ast.While)) and child is not parent.test:
                test = self._unparse(parent.test).lower()
                if any(word in test for word in _GUARD_WORDS) or (attr and f"'{attr.lower()}'" in test):
                    return True
            elif isinstance(parent, ast.BoolOp):
                for value in parent.values:
                    if value is child:
                        break
                    text = self._unparse(value).lower()
                    if any(word in text for word in _GUARD_WORDS) or (attr and f"'{attr.lower()}'" in text):
                        return True
            elif isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in ("hasattr", "getattr"):
                return True
            elif isinstance(parent, (ast.With, ast.AsyncWith)) and child in parent.body \
                    and any(_expects_failure(item.context_expr, errors) for item in parent.items):
                return True  # with pytest.raises(...) / self.assertRaises(...) / suppress(...)
            elif isinstance(parent, ast.Call) and child is not parent.func and _expects_failure(parent, errors):
                return True  # pytest.raises(TypeError, func, bad=1) / self.assertRaises(E, func, ...)
            child, parent = parent, self.parents.get(parent)
        return False

    def _assigned_here(self, node: ast.Attribute) -> bool:
        """``conn.cert_file = ...`` somewhere in the same scope: the code sets the attribute."""
        scope = self._enclosing_function(node) or self.tree
        key = id(scope)
        stored = self._stored.get(key)
        if stored is None:
            stored = set()
            for target in ast.walk(scope):
                if isinstance(target, ast.Attribute) and isinstance(target.ctx, (ast.Store, ast.Del)):
                    stored.add((ast.unparse(target.value), target.attr))
                elif (isinstance(target, ast.Call) and isinstance(target.func, ast.Name)
                      and target.func.id == "setattr" and len(target.args) >= 2
                      and isinstance(target.args[1], ast.Constant)):
                    stored.add((ast.unparse(target.args[0]), str(target.args[1].value)))
            self._stored[key] = stored
        return (self._unparse(node.value), node.attr) in stored

    def _ignored_line(self, line: int) -> bool:
        text = self.pos.text(line)
        return "# type: ignore" in text or "# pyright: ignore" in text or "#type:ignore" in text

    def _narrowed(self, node: ast.AST, receiver: ast.AST) -> bool:
        """The receiver's type is tested (isinstance, hasattr, type(...) ...) in the same scope:
        jedi does not narrow, so its idea of the type may be the wrong branch's."""
        target = self._unparse(receiver)
        scope = self._enclosing_function(node) or self.tree
        key = id(scope)
        tested = self._tested.get(key)
        if tested is None:
            tested = set()
            for call in ast.walk(scope):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _NARROWING
                        and call.args):
                    tested.add(ast.unparse(call.args[0]))
            self._tested[key] = tested
        return target in tested

    # --- calls ----------------------------------------------------------
    def _call(self, node: ast.Call) -> CallSite | None:
        named = [k for k in node.keywords if k.arg is not None]
        if not named:
            return None
        func = node.func
        paren = self._call_paren(node)
        if paren is None:
            return None
        line, after_paren = paren
        keywords = []
        for keyword in named:
            kline = keyword.lineno
            kcol = self.pos.col(kline, keyword.col_offset)
            keywords.append(Keyword(keyword.arg, kline, kcol, kcol + len(keyword.arg)))
        callee = self.pos.segment(func) or ""
        if len(callee) > 40 or "\n" in callee:
            callee = callee.split("\n", 1)[0][:37] + "..."
        # ``Generic[int](...)``: the callee is the subscripted class, not its index
        target = func.value if isinstance(func, ast.Subscript) else func
        func_end = (line, self.pos.col(line, target.end_col_offset or 0) - 1)
        root, _ = self._root(func)
        worth = isinstance(root, ast.Name) and (root.id in self.imports or root.id not in ("self", "cls")
                                                 or isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute))
        worth = worth or isinstance(root, (ast.BinOp, ast.Await))  # the static inference reads these
        if not worth and not (isinstance(root, ast.Name) and root.id in ("self", "cls")):
            return None
        return CallSite(line, after_paren, callee, self._qualified(func), tuple(keywords),
                        any(k.arg is None for k in node.keywords),
                        self._guarded(node, errors=("TypeError",)) or self._ignored_line(line), func_end)

    # --- imports --------------------------------------------------------
    def _imports(self, node: ast.Import | ast.ImportFrom) -> list[ImportSite]:
        optional = self._guarded_import(node)
        conditional = self._conditional(node)
        type_checking = self._type_checking(node)
        sites = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                line, col = self._find_name(node, alias.name, alias)
                sites.append(ImportSite(line, col, line, col + len(alias.name), alias.name, 0, (), False,
                                        optional, conditional, type_checking))
            return sites
        module = node.module or ""
        names = []
        for alias in node.names:
            if alias.name == "*":
                continue
            line, col = self._find_name(node, alias.name, alias)
            names.append(ImportName(alias.name, line, col, col + len(alias.name)))
        line, col = (node.lineno, self.pos.col(node.lineno, node.col_offset))
        if module:
            found = self._search(node, module, start_after="from")
            if found:
                line, col = found
        return [ImportSite(line, col, line, col + len(module or "from"), module, node.level, tuple(names), True,
                           optional, conditional, type_checking)]

    def _find_name(self, node: ast.AST, name: str, alias: ast.alias) -> tuple[int, int]:
        if getattr(alias, "lineno", None):
            return alias.lineno, self.pos.col(alias.lineno, alias.col_offset)
        found = self._search(node, name, start_after="import")
        return found or (node.lineno, self.pos.col(node.lineno, node.col_offset))

    def _search(self, node: ast.AST, word: str, start_after: str) -> tuple[int, int] | None:
        first = True
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            text = self.pos.text(line)
            start = 0
            if first:
                start = self.pos.col(line, node.col_offset)
                keyword = text.find(start_after, start)
                if keyword >= 0:
                    start = keyword + len(start_after)
                first = False
            index = text.find(word, start)
            while index >= 0:
                before = text[index - 1] if index > 0 else " "
                after = text[index + len(word)] if index + len(word) < len(text) else " "
                if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                    return line, index
                index = text.find(word, index + 1)
        return None

    def _guarded_import(self, node: ast.AST) -> bool:
        if self._ignored_line(node.lineno):
            return True  # `# type: ignore[import-not-found]`: the author knows
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if (isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar") and parent.handlers:
                if child in parent.body or child in parent.orelse:
                    return True  # any handler: optional features, runtime detection (IPython, ...)
            elif isinstance(parent, ast.ExceptHandler) and _catches_import_error(parent):
                return True  # the fallback of a failed import (`except ImportError: from numpy import trapz`)
            elif isinstance(parent, (ast.With, ast.AsyncWith)) and child in parent.body \
                    and any(_expects_failure(item.context_expr, _IMPORT_ERRORS) for item in parent.items):
                return True  # `with suppress(ImportError): import ujson`
            child, parent = parent, self.parents.get(parent)
        return False

    def _type_checking(self, node: ast.AST) -> bool:
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.If) and child in parent.body and "TYPE_CHECKING" in ast.unparse(parent.test):
                return True
            child, parent = parent, self.parents.get(parent)
        return False

    def _conditional(self, node: ast.AST) -> bool:
        parent = self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.If):
                return True  # optional features, platforms, versions, TYPE_CHECKING
            parent = self.parents.get(parent)
        return False


def class_body_reading(node: ast.AST, parents: dict, classes: tuple[type, ...] = (ast.ClassDef,)):
    """``(class, statement)`` when ``node`` is read in that class's body, in that statement of it
    (a method's decorators, defaults and annotations run in the class body, not in the method);
    None inside a function body, a lambda or a comprehension, or outside any class."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and child in parent.body \
                or isinstance(parent, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return None
        if isinstance(parent, classes):
            return parent, child
        child, parent = parent, parents.get(parent)
    return None


def _class_level_names(stmt: ast.stmt) -> set[str]:
    """The names a statement of a class body binds there (not the locals of its methods)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    names: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            stack.extend(ast.iter_child_nodes(node))
    return names


def _literal_type(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return ""
        return type(value).__name__ if isinstance(value, (str, bytes, int, float, complex)) else ""
    if isinstance(node, ast.JoinedStr):
        return "str"
    return {ast.List: "list", ast.ListComp: "list", ast.Dict: "dict", ast.DictComp: "dict",
            ast.Set: "set", ast.SetComp: "set", ast.Tuple: "tuple"}.get(type(node), "")


# Helpers a test wraps around code it expects to raise or warn: pytest's raises / warns /
# deprecated_call, unittest's assertRaises* / assertWarns*, numpy.testing's assert_raises* /
# assert_warns, a suite's own assert_deprecated(lambda: ...). Not assert_no_warnings and the like.
_RAISES = re.compile(r"(?:assert_?|failUnless)?(?:raises|Raises|warns|Warns)(?:_?[Rr]egexp?)?|"
                     r"deprecated_call|assert_?[Dd]eprecated")


def _expects_failure(node: ast.AST, errors: tuple[str, ...]) -> bool:
    """Code the author expects to fail or warn: ``pytest.raises(...)``/``assertRaises(...)``/
    ``pytest.warns(...)`` and the other ``_RAISES`` helpers (any exception: the test says the
    call fails or is deprecated) or ``suppress(...)`` of the error in question."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if _RAISES.fullmatch(name):
        return True
    if name == "suppress":
        for arg in node.args:
            for sub in ast.walk(arg):
                text = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else ""
                if text in errors or text in ("Exception", "BaseException"):
                    return True
    return False


_IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError")


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    return any(isinstance(n, (ast.Name, ast.Attribute)) and (n.id if isinstance(n, ast.Name) else n.attr)
               in (*_IMPORT_ERRORS, "Exception", "BaseException") for n in ast.walk(handler.type))


def _catches(node: ast.Try, errors: tuple[str, ...]) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        names = [n for n in ast.walk(handler.type) if isinstance(n, (ast.Name, ast.Attribute))]
        for name in names:
            text = name.id if isinstance(name, ast.Name) else name.attr
            if text in errors or text in ("Exception", "BaseException"):
                return True
    return False


def all_args(args: ast.arguments):
    yield from args.posonlyargs
    yield from args.args
    if args.vararg:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg:
        yield args.kwarg
