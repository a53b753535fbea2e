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


@lru_cache(maxsize=50_000)
def facts_for(kind: str, parse_text: str) -> BlockFacts:
    digest = hashlib.blake2b(parse_text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    try:
        tree = ast.parse(parse_text)
    except (SyntaxError, ValueError) as error:  # ValueError: NUL bytes in source
        if not isinstance(error, SyntaxError):
            error = SyntaxError(str(error))
        return BlockFacts(None, error, (), (), (), (), frozenset(), digest)
    imports: list[tuple[str, str]] = []
    modules: list[str] = []
    assigned: list[tuple[str, str]] = []
    functions: list[str] = []
    reads: set[str] = set()
    top = tree.body if kind == "statement" else []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            reads.add(node.id)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
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
                      tuple(functions), frozenset(reads), digest)


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
    modules_before: list[frozenset[str]] = field(default_factory=list)  # per block, for bandit

    def key_for(self, facts: BlockFacts) -> tuple:
        """The part of the context a block's findings can depend on."""
        reads = facts.reads
        return (
            tuple(sorted((n, q) for n, q in self.imports.items() if n in reads)),
            tuple(sorted((n, v) for n, v in self.assigned.items() if n in reads)),
        )


def build_context(blocks: list[Block]) -> tuple[ModuleContext, list[BlockFacts]]:
    context = ModuleContext()
    all_facts: list[BlockFacts] = []
    seen_modules: set[str] = set()
    for block in blocks:
        facts = facts_for(block.kind, block.parse_text)
        all_facts.append(facts)
        context.modules_before.append(frozenset(seen_modules))
        seen_modules.update(facts.imported_modules)
        for name, qualified in facts.imports:
            context.imports.setdefault(name, qualified)
        for name, value in facts.assigned:
            context.assigned[name] = value
        if facts.functions and facts.tree is not None:
            for stmt in facts.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    context.functions[stmt.name] = stmt
    return context, all_facts
