"""Flow-sensitive definitions for one function: what reaches each use, in program order.

:class:`Flow` runs once over a function body, statement by statement, carrying an
abstract state and recording, at every read of a local name, which definitions of it
can reach that read. It is the one place in caveat that knows about order, branches and
constants; the taint model (``analysis/taint.py``) and the rules ask it questions.

The state, per local name:

* *definitions*: the nodes that may have bound the value read here (an ``Assign`` /
  ``AugAssign`` / ``AnnAssign``, a ``For``, a ``withitem``, an ``ExceptHandler``, an
  ``Import``, a nested ``def``/``class``, a ``NamedExpr``, the function itself for a
  parameter, and a statement that mutates a container: ``x.append(v)``, ``x[k] = v``).
  A plain assignment replaces them; a mutation or ``x += v`` adds to them.
* *constant*: the value when every path gives the same literal, folded through
  arithmetic, comparisons, boolean operators, indexing and slicing of strings
  (``num = 106``, ``guess = "ABC"[1]``).
* *contents*, for a list or dict built in the function: the expressions stored at each
  constant index or key, followed through ``append``/``insert``/``pop``/``extend``
  /``update``/``x[k] = v``/``del``, so ``lst[1]`` or ``d["a"]`` reads exactly what was
  stored there, and a read of the whole container (``subprocess.run(args)``) knows
  every slot (:meth:`Flow.contents`). Anything the model cannot follow (an unknown key, a call given the
  container, an alias) forgets the contents; uses then fall back to the definitions.

Branches: an ``if``/``while``/``match``/conditional expression whose test folds to a
constant runs only the branch taken (``if 7 * 18 > 200:``); otherwise both, and the
states join (union of definitions, constants kept where equal). ``return``/``raise``/
``break``/``continue`` end a path; loops run to a fixed point; ``try`` handlers start
from every state of the body. Statements no path reaches are never visited, so
:meth:`Flow.reachable` is false for them and their reads have no definitions.

Not tracked (the caller falls back to its own, flow-insensitive answer): names bound in
comprehensions, names of enclosing functions (closures), globals and nonlocals, and
anything inside nested functions, classes and lambdas (each function has its own Flow).
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field

UNKNOWN = object()  # not a constant
MAX_STR = 10_000
MAX_STEPS = 20_000  # statements visited (loops revisit theirs) before a Flow gives up


class _GiveUp(Exception):
    pass
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
           ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Contents:
    """What a list (``keys`` None: elements by position) or dict (by constant key) holds.
    Each slot is the set of expressions that may have been stored there."""

    kind: str  # "list" or "dict"
    slots: tuple  # list: (frozenset[expr], ...); dict: ((key, frozenset[expr]), ...)

    def get(self, key: object) -> frozenset | None:
        if self.kind == "list":
            if isinstance(key, int) and not isinstance(key, bool) and -len(self.slots) <= key < len(self.slots):
                return self.slots[key]
            return None
        for k, values in self.slots:
            if k == key and type(k) is type(key):
                return values
        return frozenset()  # a key never stored: only a default can be read

    def join(self, other: "Contents | None") -> "Contents | None":
        if other is None or other.kind != self.kind or len(other.slots) != len(self.slots):
            return None
        if self.kind == "list":
            return Contents("list", tuple(a | b for a, b in zip(self.slots, other.slots)))
        mine, theirs = dict(self.slots), dict(other.slots)
        if mine.keys() != theirs.keys():
            return None
        return Contents("dict", tuple((k, mine[k] | theirs[k]) for k in mine))


@dataclass
class State:
    defs: dict[str, frozenset] = field(default_factory=dict)
    consts: dict[str, object] = field(default_factory=dict)
    contents: dict[str, Contents] = field(default_factory=dict)

    def copy(self) -> "State":
        return State(dict(self.defs), dict(self.consts), dict(self.contents))


def join(a: State | None, b: State | None) -> State | None:
    """The state after either path (None: a path that does not get here)."""
    if a is None:
        return b.copy() if b is not None else None
    if b is None:
        return a.copy()
    defs = dict(a.defs)
    for name, found in b.defs.items():
        defs[name] = defs.get(name, frozenset()) | found
    consts = {n: v for n, v in a.consts.items() if n in b.consts and _same(b.consts[n], v)}
    contents = {}
    for name, mine in a.contents.items():
        merged = mine.join(b.contents.get(name))
        if merged is not None:
            contents[name] = merged
    return State(defs, consts, contents)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _equal_states(a: State | None, b: State | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.defs == b.defs and a.consts.keys() == b.consts.keys() and a.contents == b.contents


class _Loop:
    def __init__(self) -> None:
        self.breaks: State | None = None
        self.continues: State | None = None


class Flow:
    """Definitions, constants and container contents at each read in ``func``."""

    def __init__(self, func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Module) -> None:
        self.func = func
        self.local = _local_names(func)
        self.reads: dict[ast.Name, frozenset] = {}
        self.consts: dict[ast.Name, object] = {}
        self.elements: dict[ast.AST, frozenset] = {}
        self.held: dict[ast.Name, Contents | None] = {}  # a container's contents at a read of its name
        self.seen: set[ast.AST] = set()  # statements some path reaches
        self.untracked: set[ast.Name] = set()  # reads of comprehension variables
        self._loops: list[_Loop] = []
        self.gave_up = False
        self._steps = 0
        state = State()
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in _params(func):
                state.defs[arg] = frozenset({func})
        try:
            self._block(func.body, state)
        except (_GiveUp, RecursionError):
            # Pathological code (loops nested many deep): answer nothing rather than late.
            self.gave_up, self.reads, self.consts, self.elements, self.held = True, {}, {}, {}, {}
            self.local = frozenset()

    # --- answers ------------------------------------------------------------------
    def definitions(self, name: ast.Name) -> frozenset | None:
        """The definition nodes that can reach this read (of a name in this function,
        outside nested scopes); empty when no path reaches it; None when the name is
        not tracked here (a global, a closure variable, a comprehension variable)."""
        if name in self.reads:
            return self.reads[name]
        if name in self.untracked or name.id not in self.local:
            return None
        return frozenset()

    def constant(self, expr: ast.AST) -> object:
        """The value ``expr`` always has where it is evaluated, or :data:`UNKNOWN`."""
        return _fold(expr, lambda n: self.consts.get(n, UNKNOWN))

    def stored(self, expr: ast.AST) -> frozenset | None:
        """For ``x[k]`` / ``x.get(k[, default])`` on a list or dict this function built,
        the expressions that can have been stored under ``k`` (a ``.get`` default
        included); None when the model does not know."""
        return self.elements.get(expr)

    def contents(self, name: ast.Name) -> Contents | None:
        """What the list or dict this function built holds where ``name`` is read as a
        whole (``subprocess.run(args)`` after ``args.append(...)``): every slot's
        possible expressions, joined over the paths that reach the read; None when the
        model does not know (not a container it follows, a slot count that differs by path)."""
        return self.held.get(name)

    def uses(self, definition: ast.AST) -> list[ast.Name]:
        """The reads that ``definition`` (an assignment, a ``for``...) can reach."""
        if not hasattr(self, "_uses"):
            index: dict[ast.AST, list[ast.Name]] = {}
            for read, defs in self.reads.items():
                for d in defs:
                    index.setdefault(d, []).append(read)
            self._uses = index
        return self._uses.get(definition, [])

    def reachable(self, stmt: ast.AST) -> bool:
        """Does some path reach ``stmt`` (a statement of this function's own body)?"""
        return self.gave_up or stmt in self.seen

    # --- statements ---------------------------------------------------------------
    def _block(self, body: list[ast.stmt], state: State | None) -> State | None:
        for stmt in body:
            if state is None:
                return None
            state = self._stmt(stmt, state)
        return state

    def _stmt(self, stmt: ast.stmt, state: State) -> State | None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _GiveUp
        self.seen.add(stmt)
        if isinstance(stmt, ast.If):
            self._read(stmt.test, state)
            test = self._truth(stmt.test, state)
            body = self._block(stmt.body, state.copy()) if test is not False else None
            orelse = self._block(stmt.orelse, state.copy()) if test is not True else None
            return join(body, orelse)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._read(stmt.iter, state)
            return self._loop(stmt, state, lambda s: self._assign(stmt.target, None, stmt, s))
        if isinstance(stmt, ast.While):
            self._read(stmt.test, state)
            if self._truth(stmt.test, state) is False:
                return self._block(stmt.orelse, state)
            endless = self._truth(stmt.test, state) is True
            return self._loop(stmt, state, None, endless=endless)
        if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            return self._try(stmt, state)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._read(item.context_expr, state)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, None, item, state)
            return self._block(stmt.body, state)
        if isinstance(stmt, ast.Match):
            return self._match(stmt, state)
        if isinstance(stmt, (ast.Return, ast.Raise)):
            self._read(stmt, state)
            return None
        if isinstance(stmt, ast.Break):
            if self._loops:
                self._loops[-1].breaks = join(self._loops[-1].breaks, state)
            return None
        if isinstance(stmt, ast.Continue):
            if self._loops:
                self._loops[-1].continues = join(self._loops[-1].continues, state)
            return None
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for deco in stmt.decorator_list:
                self._read(deco, state)
            self._define(stmt.name, stmt, state)
            return state
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                self._define(alias.asname or alias.name.split(".")[0], stmt, state)
            return state
        if isinstance(stmt, (ast.Global, ast.Nonlocal)):
            return state
        self._read(stmt, state)
        if isinstance(stmt, ast.Expr) and _is_terminator(stmt.value):
            return None
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self._assign(target, stmt.value, stmt, state)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._assign(stmt.target, stmt.value, stmt, state)
        elif isinstance(stmt, ast.AugAssign):
            self._augment(stmt, state)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._mutate(stmt, stmt.value, state)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self._delete(target, state)
        return state

    def _loop(self, stmt: ast.For | ast.AsyncFor | ast.While, state: State, bind, *, endless: bool = False) -> State | None:
        loop = _Loop()
        self._loops.append(loop)
        head: State | None = state
        out: State | None = None
        for _ in range(4):
            entry = head.copy()
            if bind is not None:
                bind(entry)
            loop.continues = None
            out = self._block(stmt.body, entry)
            new_head = join(join(state, out), loop.continues)
            if isinstance(stmt, ast.While):
                self._read(stmt.test, new_head)
            if _equal_states(new_head, head):
                break
            head = new_head
        self._loops.pop()
        after = None if endless else head
        if stmt.orelse and after is not None:
            after = self._block(stmt.orelse, after.copy())
        return join(after, loop.breaks)

    def _try(self, stmt: ast.Try, state: State) -> State | None:
        states: list[State | None] = [state.copy()]
        current: State | None = state
        for sub in stmt.body:
            if current is None:
                break
            current = self._stmt(sub, current)
            states.append(current.copy() if current is not None else None)
        entry: State | None = None
        for found in states:
            entry = join(entry, found)
        outs = [self._block(stmt.orelse, current) if stmt.orelse and current is not None else current]
        for handler in stmt.handlers:
            self.seen.add(handler)
            inner = entry.copy() if entry is not None else None
            if inner is not None:
                if handler.type is not None:
                    self._read(handler.type, inner)
                if handler.name:
                    self._define(handler.name, handler, inner)
            outs.append(self._block(handler.body, inner))
        after: State | None = None
        for found in outs:
            after = join(after, found)
        if stmt.finalbody:
            final_entry = join(after, entry)
            final = self._block(stmt.finalbody, final_entry)
            return final if after is not None else None
        return after

    def _match(self, stmt: ast.Match, state: State) -> State | None:
        self._read(stmt.subject, state)
        subject = self._value(stmt.subject, state)
        after: State | None = None
        for case in stmt.cases:
            verdict = _case_matches(case.pattern, subject) if case.guard is None else None
            if verdict is False:
                continue
            inner = state.copy()
            for name in _pattern_names(case.pattern):
                self._define(name, case.pattern, inner)
            if case.guard is not None:
                self._read(case.guard, inner)
            after = join(after, self._block(case.body, inner))
            if verdict is True:
                return after
        if not any(_irrefutable(case) for case in stmt.cases):
            after = join(after, state)
        return after

    # --- bindings -----------------------------------------------------------------
    def _define(self, name: str, node: ast.AST, state: State, value: object = UNKNOWN,
                contents: Contents | None = None) -> None:
        state.defs[name] = frozenset({node})
        if value is UNKNOWN:
            state.consts.pop(name, None)
        else:
            state.consts[name] = value
        if contents is None:
            state.contents.pop(name, None)
        else:
            state.contents[name] = contents

    def _assign(self, target: ast.AST, value: ast.AST | None, stmt: ast.AST, state: State) -> None:
        if isinstance(target, ast.Name):
            folded = self._value(value, state) if value is not None else UNKNOWN
            self._define(target.id, stmt, state, folded, self._contents(value, state) if value is not None else None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) \
                and not any(isinstance(e, ast.Starred) for e in value.elts) else None
            for i, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    element = element.value
                    self._assign(element, None, stmt, state)
                else:
                    self._assign(element, values[i] if values is not None else None, stmt, state)
        elif isinstance(target, ast.Subscript):
            base = target.value
            if isinstance(base, ast.Name) and base.id in state.defs:
                state.defs[base.id] = state.defs[base.id] | {stmt}
                state.consts.pop(base.id, None)
                self._store(base.id, target.slice, value, state)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, None, stmt, state)

    def _augment(self, stmt: ast.AugAssign, state: State) -> None:
        target = stmt.target
        if isinstance(target, ast.Name):
            before = state.consts.get(target.id, UNKNOWN)
            folded = self._value(ast.BinOp(ast.Constant(before), stmt.op, stmt.value), state) \
                if before is not UNKNOWN else UNKNOWN
            state.defs[target.id] = state.defs.get(target.id, frozenset()) | {stmt}
            if folded is UNKNOWN:
                state.consts.pop(target.id, None)
            else:
                state.consts[target.id] = folded
            state.contents.pop(target.id, None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in state.defs:
            name = target.value.id
            state.defs[name] = state.defs[name] | {stmt}
            key = self._value(target.slice, state)
            held = state.contents.get(name)
            slot = held.get(key) if held is not None and key is not UNKNOWN else None
            if held is not None and slot is not None:
                state.contents[name] = _put(held, key, slot | {stmt.value})
            else:
                state.contents.pop(name, None)

    def _mutate(self, stmt: ast.Expr, call: ast.Call, state: State) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            self._forget_arguments(call, state)
            return
        name, method = func.value.id, func.attr
        if name not in state.defs:
            return
        self._forget_arguments(call, state)
        held = state.contents.get(name)
        if method in MUTATORS:
            state.defs[name] = state.defs[name] | {stmt}
            state.consts.pop(name, None)
        if held is None:
            return
        state.contents.pop(name, None)
        args = call.args
        if any(isinstance(a, ast.Starred) for a in args) or call.keywords and method != "update":
            return
        updated = _mutated(held, method, args, call.keywords, lambda e: self._value(e, state),
                           lambda e: self._contents(e, state))
        if updated is not None:
            state.contents[name] = updated

    def _forget_arguments(self, call: ast.Call, state: State) -> None:
        """A container handed to a call may be changed by it: forget its contents."""
        for arg in [*call.args, *(kw.value for kw in call.keywords)]:
            if isinstance(arg, ast.Name):
                state.contents.pop(arg.id, None)

    def _store(self, name: str, key_expr: ast.AST, value: ast.AST | None, state: State) -> None:
        held = state.contents.pop(name, None)
        key = self._value(key_expr, state)
        if held is None or key is UNKNOWN or value is None:
            return
        if held.kind == "list" and held.get(key) is None:
            return
        state.contents[name] = _put(held, key, frozenset({value}))

    def _delete(self, target: ast.AST, state: State) -> None:
        if isinstance(target, ast.Name):
            state.defs[target.id] = frozenset()
            state.consts.pop(target.id, None)
            state.contents.pop(target.id, None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            held = state.contents.pop(name, None)
            key = self._value(target.slice, state)
            if held is not None and key is not UNKNOWN:
                updated = _mutated(held, "pop", [ast.Constant(key)], [], lambda e: self._value(e, state),
                                   lambda e: None)
                if updated is not None:
                    state.contents[name] = updated

    # --- expressions --------------------------------------------------------------
    def _read(self, node: ast.AST, state: State) -> None:
        """Record what reaches each read of a local name in ``node`` (not inside
        nested scopes; comprehension variables are left untracked)."""
        stack: list[tuple[ast.AST, frozenset[str]]] = [(node, frozenset())]
        while stack:
            current, shadowed = stack.pop()
            if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
                if current.id in shadowed:
                    self.untracked.add(current)
                elif current.id in self.local:
                    self._record(current, state)
                continue
            if isinstance(current, ast.Name):
                continue
            if isinstance(current, ast.NamedExpr):
                # the walrus binds after its value: record the value first, then bind.
                self._read(current.value, state)
                self._define(current.target.id, current, state, self._value(current.value, state))
                continue
            if isinstance(current, _SCOPES):
                if isinstance(current, ast.Lambda):
                    for default in current.args.defaults:
                        stack.append((default, shadowed))
                continue
            if isinstance(current, _COMPREHENSIONS):
                bound = set(shadowed)
                for gen in current.generators:
                    stack.append((gen.iter, frozenset(bound)))
                    bound |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
                inner = frozenset(bound)
                for gen in current.generators:
                    stack.extend((cond, inner) for cond in gen.ifs)
                parts = [current.key, current.value] if isinstance(current, ast.DictComp) else [current.elt]
                stack.extend((p, inner) for p in parts)
                continue
            if isinstance(current, ast.IfExp):
                truth = self._truth(current.test, state)
                stack.append((current.test, shadowed))
                if truth is not None:  # the other side never runs here: its reads stay unrecorded
                    stack.append((current.body if truth else current.orelse, shadowed))
                    continue
            if isinstance(current, ast.Call) or isinstance(current, ast.Subscript) and isinstance(current.ctx, ast.Load):
                self._record_element(current, state)
            stack.extend((child, shadowed) for child in ast.iter_child_nodes(current))

    def _record(self, name: ast.Name, state: State) -> None:
        found = state.defs.get(name.id, frozenset())
        self.reads[name] = self.reads.get(name, frozenset()) | found
        value = state.consts.get(name.id, UNKNOWN)
        if name not in self.consts:
            self.consts[name] = value
        elif not _same(self.consts[name], value):
            self.consts[name] = UNKNOWN
        held = state.contents.get(name.id)
        self.held[name] = held if name not in self.held else (held.join(self.held[name]) if held is not None else None)

    def _record_element(self, node: ast.Subscript | ast.Call, state: State) -> None:
        found = self._element(node, state)
        if node in self.elements:
            previous = self.elements[node]
            found = None if previous is None or found is None else previous | found
        self.elements[node] = found

    def _element(self, node: ast.Subscript | ast.Call, state: State) -> frozenset | None:
        if isinstance(node, ast.Subscript):
            base, key_expr, default = node.value, node.slice, None
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args and not node.keywords \
                and len(node.args) <= 2:
            base, key_expr = node.func.value, node.args[0]
            default = node.args[1] if len(node.args) == 2 else ast.Constant(None)
        else:
            return None
        if not isinstance(base, ast.Name) or base.id not in state.contents or isinstance(key_expr, ast.Slice):
            return None
        held = state.contents[base.id]
        key = self._value(key_expr, state)
        if key is UNKNOWN or (default is not None and held.kind != "dict"):
            return None
        slot = held.get(key)
        if slot is None:
            return None
        if not slot and default is None:
            return None  # a KeyError at run time: say nothing
        return slot | ({default} if default is not None and not slot else frozenset())

    def _value(self, expr: ast.AST | None, state: State) -> object:
        if expr is None:
            return UNKNOWN
        return _fold(expr, lambda n: state.consts.get(n.id, UNKNOWN) if n.id in self.local else UNKNOWN)

    def _truth(self, test: ast.AST, state: State) -> bool | None:
        value = self._value(test, state)
        if value is UNKNOWN:
            return None
        try:
            return bool(value)
        except Exception:  # pragma: no cover - folded values are plain literals
            return None

    def _contents(self, value: ast.AST, state: State) -> Contents | None:
        if isinstance(value, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in value.elts):
            return Contents("list", tuple(frozenset({e}) for e in value.elts))
        if isinstance(value, ast.Dict) and all(k is not None for k in value.keys):
            keys = [self._value(k, state) for k in value.keys]
            if any(k is UNKNOWN for k in keys):
                return None
            slots: dict = {}
            for key, item in zip(keys, value.values):
                slots[key] = frozenset({item})
            return Contents("dict", tuple(slots.items()))
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args and not value.keywords:
            if value.func.id == "list":
                return Contents("list", ())
            if value.func.id == "dict":
                return Contents("dict", ())
        return None


MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft",
                      "write"})


def _mutated(held: Contents, method: str, args: list, keywords: list, value, contents) -> Contents | None:
    """``held`` after ``x.method(*args)``; None when the result cannot be told."""
    if held.kind == "list":
        slots = list(held.slots)
        if method == "append" and len(args) == 1:
            return Contents("list", (*slots, frozenset({args[0]})))
        if method == "extend" and len(args) == 1:
            more = contents(args[0])
            return Contents("list", (*slots, *more.slots)) if more is not None and more.kind == "list" else None
        if method == "insert" and len(args) == 2:
            index = value(args[0])
            if isinstance(index, int) and not isinstance(index, bool):
                slots.insert(index, frozenset({args[1]}))
                return Contents("list", tuple(slots))
            return None
        if method == "pop" and len(args) <= 1:
            index = value(args[0]) if args else -1
            if isinstance(index, int) and not isinstance(index, bool) and -len(slots) <= index < len(slots):
                del slots[index]
                return Contents("list", tuple(slots))
            return None
        if method in ("sort", "reverse", "remove"):
            return None
        if method in ("count", "index", "copy"):
            return held
        return None
    if method == "update" and len(args) <= 1:
        slots = dict(held.slots)
        if args:
            more = contents(args[0])
            if more is None or more.kind != "dict":
                return None
            slots.update(dict(more.slots))
        for kw in keywords:
            if kw.arg is None:
                return None
            slots[kw.arg] = frozenset({kw.value})
        return Contents("dict", tuple(slots.items()))
    if method in ("pop", "setdefault") and args:
        key = value(args[0])
        if key is UNKNOWN:
            return None
        slots = dict(held.slots)
        if method == "pop":
            slots.pop(key, None)
        elif key not in slots:
            slots[key] = frozenset({args[1]}) if len(args) > 1 else frozenset({ast.Constant(None)})
        return Contents("dict", tuple(slots.items()))
    if method in ("get", "keys", "values", "items", "copy"):
        return held
    return None


def _put(held: Contents, key: object, values: frozenset) -> Contents:
    if held.kind == "list":
        slots = list(held.slots)
        slots[key] = values  # type: ignore[index]
        return Contents("list", tuple(slots))
    slots_d = dict(held.slots)
    slots_d[key] = values
    return Contents("dict", tuple(slots_d.items()))


# --- constants ------------------------------------------------------------------------

def _fold(expr: ast.AST, lookup) -> object:
    """The constant value of ``expr`` (names through ``lookup``), or UNKNOWN."""
    try:
        value = _fold_inner(expr, lookup, 0)
    except Exception:  # any Python error while folding (1 / 0, "a" - 1): not a constant
        return UNKNOWN
    if isinstance(value, str) and len(value) > MAX_STR:
        return UNKNOWN
    return value


def _fold_inner(expr: ast.AST, lookup, depth: int) -> object:
    if depth > 30:
        return UNKNOWN
    fold = lambda e: _fold_inner(e, lookup, depth + 1)  # noqa: E731
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        return lookup(expr)
    if isinstance(expr, ast.NamedExpr):
        return fold(expr.value)
    if isinstance(expr, ast.UnaryOp):
        operand = fold(expr.operand)
        if operand is UNKNOWN:
            return UNKNOWN
        return {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
                ast.Invert: operator.invert}[type(expr.op)](operand)
    if isinstance(expr, ast.BinOp) and type(expr.op) in _BINOPS:
        left, right = fold(expr.left), fold(expr.right)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        if isinstance(expr.op, ast.Pow) and (not isinstance(right, int) or abs(right) > 64):
            return UNKNOWN
        if isinstance(expr.op, ast.Mult) and any(isinstance(v, (str, bytes, tuple, list)) for v in (left, right)):
            count = right if isinstance(left, (str, bytes, tuple, list)) else left
            if not isinstance(count, int) or count > MAX_STR:
                return UNKNOWN
        if isinstance(expr.op, ast.Mod) and isinstance(left, str):
            return UNKNOWN  # %-formatting: leave it to the taint model
        return _BINOPS[type(expr.op)](left, right)
    if isinstance(expr, ast.BoolOp):
        value: object = UNKNOWN
        for item in expr.values:
            value = fold(item)
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(expr.op, ast.And) and not value or isinstance(expr.op, ast.Or) and value:
                return value
        return value
    if isinstance(expr, ast.Compare):
        left = fold(expr.left)
        if left is UNKNOWN:
            return UNKNOWN
        for op, comparator in zip(expr.ops, expr.comparators):
            right = fold(comparator)
            if right is UNKNOWN:
                return UNKNOWN
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(expr, ast.IfExp):
        test = fold(expr.test)
        if test is UNKNOWN:
            return UNKNOWN
        return fold(expr.body if test else expr.orelse)
    if isinstance(expr, ast.Subscript):
        base = fold(expr.value)
        if not isinstance(base, (str, bytes, tuple)):
            return UNKNOWN
        if isinstance(expr.slice, ast.Slice):
            parts = [fold(p) if p is not None else None for p in (expr.slice.lower, expr.slice.upper, expr.slice.step)]
            if any(p is UNKNOWN for p in parts):
                return UNKNOWN
            return base[slice(*parts)]
        index = fold(expr.slice)
        return UNKNOWN if index is UNKNOWN else base[index]
    if isinstance(expr, (ast.Tuple,)):
        items = [fold(e) for e in expr.elts]
        return UNKNOWN if any(i is UNKNOWN for i in items) else tuple(items)
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for value in expr.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None and value.conversion == -1:
                inner = fold(value.value)
                if inner is UNKNOWN or not isinstance(inner, (str, int)):
                    return UNKNOWN
                parts.append(str(inner))
            else:
                return UNKNOWN
        return "".join(parts)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and len(expr.args) == 1 and not expr.keywords \
            and expr.func.id in ("len", "str", "int") and lookup(expr.func) is UNKNOWN:
        arg = fold(expr.args[0])
        if arg is UNKNOWN:
            return UNKNOWN
        return {"len": len, "str": str, "int": int}[expr.func.id](arg)
    return UNKNOWN


# --- match statements -----------------------------------------------------------------

def _case_matches(pattern: ast.pattern, subject: object) -> bool | None:
    """True / False when the pattern surely matches / cannot match ``subject``; None
    when it cannot be told."""
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return True  # ``case _`` / ``case name``
    if subject is UNKNOWN:
        return None
    if isinstance(pattern, ast.MatchValue):
        value = _fold(pattern.value, lambda n: UNKNOWN)
        return None if value is UNKNOWN else _same(value, subject) or value == subject
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is subject
    if isinstance(pattern, ast.MatchOr):
        verdicts = [_case_matches(p, subject) for p in pattern.patterns]
        if any(v is True for v in verdicts):
            return True
        return False if all(v is False for v in verdicts) else None
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _case_matches(pattern.pattern, subject)
    return None


def _irrefutable(case: ast.match_case) -> bool:
    return case.guard is None and isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None


def _pattern_names(pattern: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(pattern):
        if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
    return names


# --- scope facts ----------------------------------------------------------------------

def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = func.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _local_names(func: ast.AST) -> frozenset[str]:
    """Names bound in ``func``'s own scope (not in nested scopes or comprehensions),
    less those declared ``global``/``nonlocal``."""
    bound: set[str] = set(_params(func)) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else set()
    declared: set[str] = set()
    stack = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda) or isinstance(node, _COMPREHENSIONS):
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(bound - declared)


def _is_terminator(expr: ast.AST) -> bool:
    """``sys.exit()`` / ``abort(400)`` / ``os._exit(1)`` as a statement end the path."""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    return name == "abort" or (owner in ("sys", "os") and name in ("exit", "_exit"))
