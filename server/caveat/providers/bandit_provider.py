"""Bandit, in process, one block at a time.

Bandit tracks imports as it walks a file, so a block analysed alone would see
fewer imports than it does in the whole file (``sp.call(..., shell=True)``
would become B604 instead of B602). The visitor is seeded with the imports
of the blocks above, which reproduces bandit's whole-file results. Whole-file
checks (B613) run once per buffer. Plugin crashes are caught by bandit and
reported here as notes instead of vanishing into bandit's log.
"""
from __future__ import annotations

import ast
import io
import logging
import re
import threading
import tokenize
from dataclasses import dataclass
from functools import lru_cache

from caveat.engine.findings import Finding
from caveat.rules.bandit import catalog, fixes, refine
from caveat.rules.base import RuleContext

_LOCK = threading.Lock()


@dataclass(frozen=True)
class BanditResult:
    findings: tuple[Finding, ...]
    errors: tuple[str, ...]
    # The import questions bandit's tests asked ("exact"/"like", module): the
    # result depends on the imports of the blocks above only through these.
    queries: tuple[tuple[str, str], ...] = ()


_RECORDER = threading.local()


def _record_import_queries() -> None:
    """Wrap bandit's two import questions so a block's dependencies are known."""
    from bandit.core.context import Context

    if getattr(Context, "_caveat_recording", False):
        return
    exact, like = Context.is_module_imported_exact, Context.is_module_imported_like

    def is_module_imported_exact(self, module):
        queries = getattr(_RECORDER, "queries", None)
        if queries is not None:
            queries.append(("exact", module))
        return exact(self, module)

    def is_module_imported_like(self, module):
        queries = getattr(_RECORDER, "queries", None)
        if queries is not None:
            queries.append(("like", module))
        return like(self, module)

    Context.is_module_imported_exact = is_module_imported_exact
    Context.is_module_imported_like = is_module_imported_like
    Context._caveat_recording = True


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().split("Traceback")[0].strip())


@lru_cache(maxsize=8)
def _test_set(excluded: frozenset[str] = frozenset()):
    """Bandit's tests, without those the settings turn off (they would only be filtered out later)."""
    from bandit.core import blacklisting, config, test_set, utils

    logging.getLogger("bandit").setLevel(logging.ERROR)
    _record_import_queries()
    if not hasattr(utils.get_module_qualname_from_path, "cache_info"):
        # Walks the folders up looking for __init__.py; asked again for every block of a file.
        utils.get_module_qualname_from_path = lru_cache(maxsize=4096)(utils.get_module_qualname_from_path)
    tests = test_set.BanditTestSet(config.BanditConfig(), profile={"exclude": sorted(excluded)})
    # The blacklist test keeps its filtered configuration on a module-level function:
    # remember this set's, to put it back before each run.
    tests._caveat_blacklist = (getattr(blacklisting.blacklist, "_checks", None),
                               getattr(blacklisting.blacklist, "_config", None))
    return tests


def _activate(tests) -> None:
    from bandit.core import blacklisting

    checks, config = tests._caveat_blacklist
    if config is not None:
        blacklisting.blacklist._checks = checks
        blacklisting.blacklist._config = config


@lru_cache(maxsize=1)
def _visitor_class():
    """Bandit's visitor, minus the work it does on nodes no test looks at.

    ``BanditNodeVisitor`` builds a context (line range and all) for every node and
    asks the tester for the tests of its type; for most node types (Name, Load,
    Attribute, BinOp...) there are none. This subclass still sets the parent and
    sibling links bandit's tests read, but skips those nodes' pre/visit/post
    steps. The findings are the same (tests/test_bandit_equivalence.py).
    """
    import ast as _ast

    from bandit.core import node_visitor

    class FastVisitor(node_visitor.BanditNodeVisitor):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            tests = self.testset.tests
            active = {name for name in tests if tests.get(name)}
            active.update({"ClassDef", "FunctionDef", "Call", "Import", "ImportFrom"})
            if tests.get("Str") or tests.get("Bytes"):
                active.update({"Constant", "Str", "Bytes"})
            self._active = active

        def generic_visit(self, node):
            active = self._active
            for _, value in _ast.iter_fields(node):
                if isinstance(value, list):
                    max_idx = len(value) - 1
                    for idx, item in enumerate(value):
                        if isinstance(item, _ast.AST):
                            item._bandit_sibling = value[idx + 1] if idx < max_idx else None
                            item._bandit_parent = node
                            if item.__class__.__name__ not in active:
                                self.generic_visit(item)
                            elif self.pre_visit(item):
                                self.visit(item)
                                self.generic_visit(item)
                                self.post_visit(item)
                elif isinstance(value, _ast.AST):
                    value._bandit_sibling = None
                    value._bandit_parent = node
                    if value.__class__.__name__ not in active:
                        self.generic_visit(value)
                    elif self.pre_visit(value):
                        self.visit(value)
                        self.generic_visit(value)
                        self.post_visit(value)

    return FastVisitor


def known_tests() -> frozenset[str]:
    """Every bandit test id (plugins and blacklist entries)."""
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    ids = set(manager.plugins_by_id)
    for tests in manager.blacklist.values():
        ids.update(t["id"] for t in tests)
    return frozenset(ids)


def _nosec_lines(source: str) -> dict[int, set[str]]:
    from bandit.core.manager import _parse_nosec_comment

    lines: dict[int, set[str]] = {}
    if "nosec" not in source:
        return lines
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT and "nosec" in tok.string:
                parsed = _parse_nosec_comment(tok.string)
                if parsed is not None:
                    lines[tok.start[0]] = parsed
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def run_block(parse_text: str, modules_before: frozenset[str], aliases: dict[str, str],
              path: str, imports: dict[str, str], excluded: frozenset[str] = frozenset(),
              tree: ast.Module | None = None) -> BanditResult:
    """Bandit's findings for one block, in the block's own line numbers; tests in ``excluded`` do not run.

    ``tree`` is the block's parsed text if the caller has it: bandit only adds its
    ``_bandit_*`` bookkeeping attributes to the nodes, the same ones on every run."""
    from bandit.core import meta_ast, metrics

    if tree is None:
        tree = ast.parse(parse_text)
    source_bytes = parse_text.encode("utf-8", "surrogatepass")
    stats = metrics.Metrics()
    stats.begin(path or "<buffer>")
    tests = _test_set(excluded)
    visitor = _visitor_class()(
        path or "<buffer>", io.BytesIO(source_bytes), meta_ast.BanditMetaAst(), tests,
        False, _nosec_lines(parse_text), stats,
    )
    visitor.imports = set(modules_before)
    visitor.import_aliases = dict(aliases)
    collector = _Collector()
    tester_log = logging.getLogger("bandit.core.tester")
    queries: list[tuple[str, str]] = []
    _RECORDER.queries = queries
    with _LOCK:  # the log handler and the blacklist configuration are process-wide
        _activate(tests)
        tester_log.addHandler(collector)
        try:
            visitor.generic_visit(tree)
        finally:
            tester_log.removeHandler(collector)
            _RECORDER.queries = None
    issues = refine.keep(visitor.tester.results, tree, parse_text, path, imports)
    findings = tuple(_to_finding(issue, parse_text, path, imports) for issue in issues)
    return BanditResult(findings, tuple(collector.messages), tuple(dict.fromkeys(queries)))


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200f]")


def run_file_checks(text: str, path: str, excluded: frozenset[str] = frozenset()) -> BanditResult:
    """Checks bandit runs on the whole source rather than the AST (B613)."""
    from bandit.core import metrics, tester

    if text.isascii() or _BIDI.search(text) is None:
        return BanditResult((), ())  # B613 looks for bidirectional control characters only
    data = text.encode("utf-8", "surrogatepass")
    stats = metrics.Metrics()
    stats.begin(path or "<buffer>")
    run = tester.BanditTester(_test_set(excluded), False, {}, stats)
    context = {"file_data": io.BytesIO(data), "filename": path or "<buffer>", "lineno": 0,
               "linerange": [0, 1], "col_offset": 0}
    run.run_tests(context, "File")
    return BanditResult(tuple(_to_finding(i, text, path, {}) for i in run.results), ())


def _to_finding(issue, parse_text: str, path: str, imports: dict[str, str]) -> Finding:
    lines = parse_text.splitlines(keepends=True)
    line = max(1, issue.lineno or 1)
    text_line = lines[line - 1] if line <= len(lines) else ""
    col = _code_points(text_line, max(0, issue.col_offset or 0))
    if issue.linerange and line != min(issue.linerange):
        # bandit reports the line of a keyword (``shell=True``) with the column of the call's
        # start, which is on the call's first line: underline this line's code instead.
        body = text_line.rstrip("\r\n")
        return _finding(issue, path, parse_text, imports, line, len(body) - len(body.lstrip()), line, len(body),
                        fix_line=min(issue.linerange))
    end_line = max(issue.linerange) if issue.linerange else line
    end_col = _code_points(text_line, issue.end_col_offset) if issue.end_col_offset and end_line == line else len(text_line.rstrip("\r\n"))
    end_line = line if end_line < line else end_line
    if end_line != line:
        end_line, end_col = line, len(text_line.rstrip("\r\n"))
    return _finding(issue, path, parse_text, imports, line, col, end_line, max(end_col, col))


def _finding(issue, path: str, parse_text: str, imports: dict[str, str], line: int, col: int, end_line: int,
             end_col: int, fix_line: int | None = None) -> Finding:
    info = catalog.bandit_rules().get(issue.test_id)
    cwe = int(issue.cwe.id) if getattr(issue, "cwe", None) and issue.cwe.id else (info.cwe if info else None)
    cwe = catalog.CWE_OVERRIDES.get(issue.test_id, cwe)
    fix = None
    fixer = fixes.FIXERS.get(issue.test_id)
    if fixer is not None:
        fix = _fix_for(fixer, parse_text, fix_line or line, issue.col_offset or 0, path, imports)
    return Finding(
        code=issue.test_id, name=info.name if info else issue.test, category=catalog.CATEGORY.get(issue.test_id, "other"),
        cwe=cwe, severity=catalog.severity_of(issue.severity, issue.test_id), message=issue.text.strip(),
        line=line, col=col, end_line=end_line, end_col=end_col, fix=fix, source="bandit",
        extra=(("confidence", str(issue.confidence).lower()),),
    )


def _fix_for(fixer, parse_text: str, line: int, byte_col: int, path: str, imports: dict[str, str]):
    tree = ast.parse(parse_text)
    ctx = RuleContext(tree, parse_text, imports, {}, path)
    for call in ctx.nodes(ast.Call):
        if call.lineno == line and (call.col_offset == byte_col or call.func.col_offset == byte_col):
            fix = fixer(ctx, call)  # `sp.check_output(...).decode()`: both calls start here
            if fix is not None:
                return fix
    for call in ctx.nodes(ast.Call):
        if call.lineno <= line <= (call.end_lineno or call.lineno):
            fix = fixer(ctx, call)
            if fix is not None:
                return fix
    return None


def _code_points(line: str, byte_col: int) -> int:
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
