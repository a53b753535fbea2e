"""What a block needs to know about the rest of its module.

Each block is parsed once per distinct text (memoized), and yields its facts:
the imports it binds at module level, the names it assigns, the top-level
functions it defines, and the names it reads. The module context is the union
of those facts; a block's cache key includes only the context entries for the
names it reads, so editing one function re-analyses just the blocks that use
what changed.
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from caveat.engine.blocks import Block
from caveat.engine.tree_index import TreeIndex, index_tree


@dataclass(frozen=True)
class BlockFacts:
    tree: ast.Module | None  # None when the block does not parse; never mutate
    syntax_error: SyntaxError | None
    imports: tuple[tuple[str, str], ...]  # (local name, qualified name) bound at module level
    imported_modules: tuple[str, ...]  # what bandit calls "imports"
    assigned: tuple[tuple[str, str], ...]  # (name, fingerprint of the assigned value)
    functions: tuple[str, ...]  # top-level function names this block defines
    reads: frozenset[str]  # names this block loads
    digest: str
    sorted_reads: tuple[str, ...] = ()
    # Bandit's view of the block's imports, in the order bandit visits them (every
    # import statement, nested ones too): (local name, target) aliases it records.
    bandit_aliases: tuple[tuple[str, str], ...] = ()
    # The tree's nodes by type and their parents (shared by the rule contexts of the block).
    index: TreeIndex | None = field(default=None, compare=False, repr=False)


@lru_cache(maxsize=50_000)
def facts_for(kind: str, parse_text: str) -> BlockFacts:
    digest = hashlib.blake2b(parse_text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    try:
        tree = ast.parse(parse_text)
    except (SyntaxError, ValueError) as error:  # ValueError: NUL bytes in source
        if not isinstance(error, SyntaxError):
            error = SyntaxError(str(error))
        return BlockFacts(None, error, (), (), (), (), frozenset(), digest)
    except RecursionError:  # absurdly deep nesting: treat like a syntax error
        return BlockFacts(None, SyntaxError("too deeply nested to analyse"), (), (), (), (), frozenset(), digest)
    imports: list[tuple[str, str]] = []
    assigned: list[tuple[str, str]] = []
    functions: list[str] = []
    reads: set[str] = set()
    import_nodes: list[ast.Import | ast.ImportFrom] = []
    top = tree.body if kind == "statement" else []
    index = index_tree(tree)
    by_type = index[0]
    reads.update(node.id for node in by_type.get(ast.Name, ()))
    import_nodes.extend(by_type.get(ast.Import, ()))
    import_nodes.extend(by_type.get(ast.ImportFrom, ()))
    modules: list[str] = []
    bandit_aliases: list[tuple[str, str]] = []
    import_nodes.sort(key=lambda n: (n.lineno, n.col_offset))
    for node in import_nodes:  # as bandit's visitor records them (visit_Import / visit_ImportFrom)
        module = node.module if isinstance(node, ast.ImportFrom) else None
        for alias in node.names:
            if module is None:
                if alias.asname:
                    bandit_aliases.append((alias.asname, alias.name))
                modules.append(alias.name)
            else:
                bandit_aliases.append((alias.asname or alias.name, f"{module}.{alias.name}"))
                modules.append(f"{module}.{alias.name}")
    for stmt in _module_level(top):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    imports.append((alias.asname, alias.name))
                else:
                    top_name = alias.name.split(".")[0]
                    imports.append((top_name, top_name))
        elif isinstance(stmt, ast.ImportFrom):
            base = ("." * stmt.level) + (stmt.module or "")
            for alias in stmt.names:
                if alias.name != "*":
                    imports.append((alias.asname or alias.name, f"{base}.{alias.name}" if base else alias.name))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = ast.dump(stmt.value) if stmt.value is not None else ""
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        assigned.append((name.id, value))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not isinstance(stmt, ast.ClassDef):
                functions.append(stmt.name)
            assigned.append((stmt.name, digest))
    return BlockFacts(tree, None, tuple(imports), tuple(modules), tuple(assigned),
                      tuple(functions), frozenset(reads), digest, tuple(sorted(reads)), tuple(bandit_aliases),
                      index)


def _module_level(body: list[ast.stmt]):
    """Statements that execute at module level, looking inside if/try/with."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            for field_name in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(stmt, field_name, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from _module_level(handler.body)


@dataclass
class ModuleContext:
    """The union of all blocks' facts, with per-block views for cache keys."""

    imports: dict[str, str] = field(default_factory=dict)
    assigned: dict[str, str] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    # Bandit's import tracking, which runs through the file in order: the modules
    # imported anywhere (in order), how many precede each block, and each alias's
    # bindings as (block index, target), so a block sees what bandit would see there.
    modules: list[str] = field(default_factory=list)
    module_counts: list[int] = field(default_factory=list)
    alias_bindings: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    function_digests: dict[str, str] = field(default_factory=dict)  # name -> digest of its block
    _first: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # per-analysis memo for checks on this context

    def key_for(self, facts: BlockFacts) -> tuple:
        """The part of the context a block's findings can depend on: the imports
        and module-level assignments of the names the block reads."""
        imports, assigned = self.imports, self.assigned
        return tuple((n, imports.get(n), assigned.get(n)) for n in facts.sorted_reads
                     if n in imports or n in assigned)

    def bandit_answer(self, kind: str, module: str, index: int) -> bool:
        """bandit's ``is_module_imported_exact``/``_like(module)`` at block ``index``."""
        first = self._first.get((kind, module))
        if first is None:
            first = len(self.modules)
            for i, imported in enumerate(self.modules):
                if (imported == module) if kind == "exact" else (module in imported):
                    first = i
                    break
            self._first[(kind, module)] = first
        return first < self.module_counts[index]

    def modules_before(self, index: int) -> frozenset[str]:
        """What bandit's visitor has in ``imports`` when it reaches block ``index``."""
        return frozenset(self.modules[: self.module_counts[index]])

    def bandit_aliases_for(self, facts: BlockFacts, index: int) -> tuple[tuple[str, str], ...]:
        """Bandit's ``import_aliases`` at block ``index``, for the names the block reads."""
        bindings = self.alias_bindings
        found = []
        for name in facts.sorted_reads:
            entries = bindings.get(name)
            if entries is None:
                continue
            target = None
            for at, value in entries:
                if at >= index:
                    break
                target = value
            if target is not None:
                found.append((name, target))
        return tuple(found)


def build_context(blocks: list[Block]) -> tuple[ModuleContext, list[BlockFacts]]:
    context = ModuleContext()
    all_facts: list[BlockFacts] = []
    modules = context.modules
    counts = context.module_counts
    imports, assigned, functions = context.imports, context.assigned, context.functions
    bindings = context.alias_bindings
    for index, block in enumerate(blocks):
        facts = facts_for(block.kind, block.parse_text)
        all_facts.append(facts)
        counts.append(len(modules))
        if facts.tree is None:
            continue
        modules.extend(facts.imported_modules)
        for name, target in facts.bandit_aliases:
            bindings.setdefault(name, []).append((index, target))
        for name, qualified in facts.imports:
            imports.setdefault(name, qualified)
        for name, value in facts.assigned:
            assigned[name] = value
        if facts.functions:
            for stmt in facts.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions[stmt.name] = stmt
                    context.function_digests[stmt.name] = facts.digest
    return context, all_facts
