"""The engine: one document version -> findings, shared by the CLI and the server.

text -> blocks -> providers (bandit, caveat rules) -> findings -> filters
(selection, severity, suppressions, dedupe). Provider results are cached per
block, by the block's text and exactly what of the module the result depended
on: while a provider runs, its reads of the module context are recorded
(bandit's import queries and aliases; each rule's lookups in the module's
imports and functions, and whether it looked at all of them), and a cached
result is reused as long as those reads give the same answers. The rules'
results are also keyed by the values of their options (``ctx.options``). Editing one
block re-runs only that block; adding an import re-runs only the rules and
bandit tests that asked about imports.

``Engine.analyze`` analyses a text from scratch (using the caches);
``Engine.document()`` returns a ``Document`` that analyses successive versions
of one buffer incrementally (re-splitting only around the edit) and applies
the error-tolerance rule (see ``Document``).
"""
from __future__ import annotations

import ast
import logging
import threading
import traceback
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Callable

from caveat.engine import syntax_version
from caveat.engine.blocks import Block, Splitter, relines, split_blocks, split_lines
from caveat.engine.context import BlockFacts, ModuleContext, build_context
from caveat.engine.findings import Finding, Fix, Position, TextEdit
from caveat.engine.suppression import parse_nosec, parse_peer_suppressions, parse_suppressions, peer_suppressed
from caveat.project import Settings
from caveat.providers import bandit_provider
from caveat.rules import all_rules, caveat_rules, default_claims, default_off, meta, opt_in
from caveat.rules.base import RuleContext, _bindings

log = logging.getLogger("caveat.engine")
_MISSING = object()


class Cancelled(Exception):
    """Raised inside analysis when a newer version of the document arrived."""


@dataclass
class Analysis:
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)  # what the user should be told
    blocks: int = 0
    analysed_blocks: int = 0  # blocks that missed the cache
    raw: list[Finding] = field(default_factory=list)  # before selection and suppressions
    kept: list[Finding] = field(default_factory=list)  # last good findings of broken blocks (in raw)


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def lookup(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def store(self, key, value) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


@dataclass(frozen=True)
class _BlockResult:
    findings: tuple[Finding, ...]
    errors: tuple[str, ...]


_EMPTY = _BlockResult((), ())


# --- what a rule read of the module context ----------------------------------
_NOTHING: dict = {}  # shared "no reads" value; never mutated


class _Reads:
    """The module-context reads of one rule on one block."""

    __slots__ = ("functions", "functions_all", "functions_keys", "imported", "imports", "imports_all", "imports_keys",
                 "shared")

    def __init__(self) -> None:
        self.imports: dict[str, object] = _NOTHING  # name -> value seen (or _MISSING)
        self.imports_keys = False  # iterated the names: the fingerprint of the names then
        self.imports_all = False  # iterated the values: the fingerprint of the imports then
        self.imported: dict[str | tuple[str, ...], bool] = _NOTHING  # is_imported(module) or imports_any(modules) -> answer
        self.functions: dict[str, object] = _NOTHING  # name -> digest of the defining block (or _MISSING)
        self.functions_keys = False
        self.functions_all = False
        self.shared = False  # the rule used a block memo (``ctx.memo``): see ``_share_memo_reads``

    def holds(self, view: _View) -> bool:
        if self.imports_all and view.imports_fp != self.imports_all:
            return False
        if self.imports_keys and view.imports_keys_fp != self.imports_keys:
            return False
        if self.functions_all and view.functions_fp != self.functions_all:
            return False
        if self.functions_keys and view.functions_keys_fp != self.functions_keys:
            return False
        if self.imports:
            imports = view.imports
            for name, value in self.imports.items():
                if imports.get(name, _MISSING) != value:
                    return False
        if self.functions:
            functions = view.function_digests
            for name, value in self.functions.items():
                if functions.get(name, _MISSING) != value:
                    return False
        for module, answer in self.imported.items():
            if view.is_imported(module) != answer:
                return False
        return True

    def empty(self) -> bool:
        return not (self.imports or self.imported or self.functions or self.imports_keys or self.imports_all
                    or self.functions_keys or self.functions_all)

    def merge(self, other: _Reads) -> None:
        for name in ("imports", "functions", "imported"):
            theirs = getattr(other, name)
            if theirs:
                mine = getattr(self, name)
                if mine is _NOTHING:
                    mine = {}
                    setattr(self, name, mine)
                mine.update(theirs)
        self.imports_keys = self.imports_keys or other.imports_keys
        self.imports_all = self.imports_all or other.imports_all
        self.functions_keys = self.functions_keys or other.functions_keys
        self.functions_all = self.functions_all or other.functions_all


class _Recording(Mapping):
    """A read-only view of a dict that tells the current ``_Reads`` what a rule looked at
    (names the block binds itself are not the module's business)."""

    __slots__ = ("_data", "_kind", "_own", "_view", "reads")

    def __init__(self, data: dict, reads: _Reads, kind: str, own: frozenset[str], view: _View) -> None:
        self._data, self.reads, self._kind, self._own, self._view = data, reads, kind, own, view

    def _seen(self, key) -> None:
        if key in self._own or not isinstance(key, str):
            return
        reads = self.reads
        if self._kind == "imports":
            if reads.imports is _NOTHING:
                reads.imports = {}
            reads.imports[key] = self._view.imports.get(key, _MISSING)
        else:
            if reads.functions is _NOTHING:
                reads.functions = {}
            reads.functions[key] = self._view.function_digests.get(key, _MISSING)

    def _all(self, keys_only: bool) -> None:
        view, reads = self._view, self.reads
        if self._kind == "imports":
            if keys_only:
                reads.imports_keys = view.imports_keys_fp
            else:
                reads.imports_all = view.imports_fp
        elif keys_only:
            reads.functions_keys = view.functions_keys_fp
        else:
            reads.functions_all = view.functions_fp

    def __getitem__(self, key):
        self._seen(key)
        return self._data[key]

    def get(self, key, default=None):
        self._seen(key)
        return self._data.get(key, default)

    def __contains__(self, key) -> bool:
        self._seen(key)
        return key in self._data

    def __iter__(self):
        self._all(True)
        return iter(self._data)

    def keys(self):
        self._all(True)
        return self._data.keys()

    def __len__(self) -> int:
        self._all(True)
        return len(self._data)

    def values(self):
        self._all(False)
        return self._data.values()

    def items(self):
        self._all(False)
        return self._data.items()

    def copy(self) -> dict:
        self._all(False)
        return dict(self._data)

    def __eq__(self, other) -> bool:
        self._all(False)
        return self._data == other

    __hash__ = None


class _TrackedContext(RuleContext):
    """The rules' context, recording what each rule reads of the module."""

    def __init__(self, tree, parse_text, view: _View, path: str, first_line: int, index=None) -> None:
        super().__init__(tree, parse_text, view.imports, view.functions, path, first_line=first_line,
                         index=index)
        self._own_imports = {local: qualified for node in self.nodes(ast.Import, ast.ImportFrom)
                             for local, qualified in _bindings(node)}
        self.reads = _Reads()
        self.rebind(view)

    def rebind(self, view: _View) -> _TrackedContext:
        """The same block under another module context (contexts are reused: building one walks the tree)."""
        if self._own_imports:
            merged = dict(view.imports)
            merged.update(self._own_imports)
        else:
            merged = view.imports
        self._merged = merged
        self._view = view
        self.imports = _Recording(merged, self.reads, "imports", frozenset(self._own_imports), view)
        self.module_functions = _Recording(view.functions, self.reads, "functions", frozenset(), view)
        return self

    def start_rule(self) -> _Reads:
        reads = self.reads = self.imports.reads = self.module_functions.reads = _Reads()
        self.findings = []
        return reads

    def memo(self, name: str, build):
        # What the memo reads is recorded for whichever rule happens to build or extend it;
        # every rule that uses it gets the union (``_share_memo_reads``).
        self.reads.shared = True
        return super().memo(name, build)

    def is_imported(self, module: str) -> bool:
        if self._own_imports and _any_imported(self._own_imports.values(), module):
            return True  # the block imports it itself: no dependency on the module
        return self._record_imported(module)

    def imports_any(self, *modules: str) -> bool:
        if self._own_imports and any(_any_imported(self._own_imports.values(), m) for m in modules):
            return True
        return self._record_imported(modules)  # one recorded answer for the whole question

    def _record_imported(self, question: str | tuple[str, ...]) -> bool:
        answer = self._view.is_imported(question)  # memoized per module context, shared by all blocks
        reads = self.reads
        if reads.imported is _NOTHING:
            reads.imported = {}
        reads.imported[question] = answer
        return answer


def _bandit_answer(kind: str, module: str, modules) -> bool:
    """bandit's ``is_module_imported_exact`` / ``_like`` over ``modules``."""
    if kind == "exact":
        return module in modules
    return any(module in imported for imported in modules)


def _any_imported(values, module: str) -> bool:
    prefix = module + "."
    return any(q == module or q.startswith(prefix) for q in values)


class _View:
    """The module context as the rules see it, with fingerprints for quick checks."""

    def __init__(self, context: ModuleContext, digests: dict[str, str]) -> None:
        self.context = context
        self.imports = context.imports
        self.functions = context.functions
        self.function_digests = digests
        self.imports_fp = ("i", hash(frozenset(self.imports.items())))
        self.imports_keys_fp = ("k", hash(frozenset(self.imports)))
        self.functions_fp = ("f", hash(frozenset(digests.items())))
        self.functions_keys_fp = ("n", hash(frozenset(digests)))
        self._imported: dict[str | tuple[str, ...], bool] = {}

    def is_imported(self, module: str | tuple[str, ...]) -> bool:
        """Is ``module`` (or, for a tuple, any of them) imported? Memoized per question."""
        answer = self._imported.get(module)
        if answer is None:
            if isinstance(module, tuple):
                answer = any(self.is_imported(m) for m in module)
            else:
                answer = _any_imported(self.imports.values(), module)
            self._imported[module] = answer
        return answer


@dataclass
class _RuleEntry:
    reads: _Reads
    findings: tuple[Finding, ...]
    errors: tuple[str, ...]


class _RulesResult:
    """All rules on one block text: per-rule results and reads, their union, and
    the fingerprints of the last context they were all known to hold for."""

    __slots__ = ("entries", "readers", "valid_for", "result", "union")

    def __init__(self, entries: list[_RuleEntry], view: _View) -> None:
        self.entries = entries
        self.valid_for = (view.imports_fp, view.functions_fp)
        self.result = _combine(entries)
        # Most rules read nothing of the module on a given block; only the others can go stale.
        self.readers = [i for i, entry in enumerate(entries) if not entry.reads.empty()]
        union = self.union = _Reads()
        for i in self.readers:
            union.merge(entries[i].reads)


def _share_memo_reads(ran: list[_RuleEntry]) -> None:
    """The rules that used a block memo (``ctx.memo``) in this run share what any of them
    read: a memo built while one rule ran answers the next one's questions from reads
    recorded for the first. With the union, they all go stale together (all of them were
    re-run when one was, so ``ran`` holds every user) and re-run on a fresh memo."""
    users = [entry for entry in ran if entry.reads.shared]
    if len(users) < 2:
        return
    union = _Reads()
    for entry in users:
        union.merge(entry.reads)
    union.shared = True
    for entry in users:
        entry.reads = union


def _combine(entries) -> _BlockResult:
    return _BlockResult(tuple(f for e in entries for f in e.findings), tuple(x for e in entries for x in e.errors))


class Engine:
    """Holds the per-block caches; safe to share between threads."""

    def __init__(self, cache_size: int = 20_000, context_cache_size: int = 3_000) -> None:
        self._bandit_cache = _LRU(cache_size)
        self._rules_cache = _LRU(cache_size)
        self._contexts = _LRU(context_cache_size)  # rule contexts of recent blocks, to re-run single rules
        self._excluded: dict[str, frozenset[str]] = {}
        self._interned: dict[tuple, tuple] = {}
        self._lock = threading.RLock()
        self._rules = [rule() for rule in caveat_rules() if rule.local]
        self._supersedes = {rule.code: set(rule.supersedes) for rule in caveat_rules()}
        self._options: dict[tuple, tuple[int, tuple[dict, ...]]] = {}  # typed settings.options -> _rule_options()
        self._option_tokens: dict[tuple, int] = {}

    def document(self) -> "Document":
        """An incremental analyser for successive versions of one buffer."""
        return Document(self)

    def analyze(self, text: str, path: str, settings: Settings,
                is_cancelled: Callable[[], bool] = lambda: False, new_lines: frozenset[int] | None = frozenset()) -> Analysis:
        """A from-scratch analysis of ``text`` (per-block results come from the caches).
        ``new_lines``: the lines of new code (``caveat.newcode``; None: every line)."""
        too_large = self._too_large(text, path, settings)
        if too_large is not None:
            return too_large
        return self._analyse(split_blocks(text), split_lines(text), text, path, settings, is_cancelled,
                             new_lines=new_lines)

    def _too_large(self, text: str, path: str, settings: Settings) -> Analysis | None:
        limit = settings.max_file_size_kb * 1024
        if len(text) * 4 <= limit:  # even at 4 bytes a character it fits
            return None
        size_kb = len(text.encode("utf-8", "surrogatepass")) / 1024
        if size_kb <= settings.max_file_size_kb:
            return None
        note = (f"{path or 'this file'} is {size_kb:.0f} KB, over max-file-size-kb = "
                f"{settings.max_file_size_kb}; caveat did not analyse it")
        info = meta.FILE_TOO_LARGE
        finding = Finding(info.code, info.name, info.category, None, info.severity,
                          note, 1, 0, 1, 0, source="caveat")
        return Analysis(self._filter([finding], split_lines(text), settings), [note], raw=[finding])

    def _analyse(self, blocks: list[Block], lines: list[str], text: str, path: str, settings: Settings,
                 is_cancelled: Callable[[], bool], keep: Callable[[Block], list[Finding]] | None = None,
                 new_lines: frozenset[int] | None = frozenset()) -> Analysis:
        infos = all_rules()
        excluded = self._excluded_bandit_tests(settings)
        context, facts = build_context(blocks)
        view = _View(context, context.function_digests)
        path_kind = _path_kind(path)
        options = self._rule_options(settings)
        findings: list[Finding] = []
        kept: list[Finding] = []
        notes: list[str] = []
        syntax_noted = False
        missed = 0
        for index, block in enumerate(blocks):
            if not index & 31 and is_cancelled():
                raise Cancelled()
            block_facts = facts[index]
            if block_facts.tree is None:
                if not syntax_noted and block.kind != "class-header":
                    syntax_noted = True
                    findings.append(_syntax_note(block, block_facts))
                if keep is not None:
                    kept.extend(keep(block))
                continue
            bandit_result, bandit_fresh = self._bandit(block, block_facts, context, index, path, excluded)
            rules_result, rules_fresh = self._rules_for(block, block_facts, view, path, path_kind, options)
            missed += bandit_fresh or rules_fresh
            offset, first, last = block.line_offset, block.start, block.end
            for result in (bandit_result, rules_result):
                for finding in result.findings:
                    shifted = finding.shifted(offset)
                    if first <= shifted.line <= last:
                        findings.append(shifted)
                for error in result.errors:
                    findings.append(_analysis_error(block, error))
                    notes.append(error)
        if is_cancelled():
            raise Cancelled()
        file_level = bandit_provider.run_file_checks(text, path, excluded)
        findings.extend(file_level.findings)
        findings.extend(kept)
        findings = self._dedupe(findings)
        return Analysis(self._filter(findings, lines, settings, infos, new_lines), notes, len(blocks), missed,
                        findings, kept)

    def analyze_api(self, text: str, path: str, settings: Settings,
                    is_cancelled: Callable[[], bool] = lambda: False) -> Analysis:
        """The slow stage: API reality checks against the project's environment.

        Returns unfiltered findings in ``raw`` (combine them with ``merge``);
        ``notes`` says what the user should know (environment in use, failures).
        """
        try:
            from caveat.providers.api import provider_for
        except ImportError:
            return Analysis([])
        provider = provider_for(settings)
        raw, notes = provider.analyze(text, path, settings, is_cancelled)
        return Analysis([], list(notes), raw=list(raw))

    def merge(self, text: str, settings: Settings, *parts: Analysis, new_lines: frozenset[int] | None = frozenset()) -> list[Finding]:
        """Selection, suppressions and dedupe over the raw findings of several stages."""
        raw = [finding for part in parts for finding in part.raw]
        return self._filter(self._dedupe(raw), split_lines(text), settings, new_lines=new_lines)

    # --- providers ----------------------------------------------------------
    def _excluded_bandit_tests(self, settings: Settings) -> frozenset[str]:
        """Bandit tests whose findings the settings turn off: they need not run at all."""
        key = settings.cache_key()
        excluded = self._excluded.get(key)
        if excluded is None:
            infos, off, strict = all_rules(), default_off(), opt_in()
            excluded = frozenset(
                code for code in bandit_provider.known_tests()
                if code in infos and not settings.is_enabled(code, infos[code].category, off, strict,
                                                             strict=settings.new_code_strict))
            self._excluded[key] = excluded
        return excluded

    def _bandit(self, block: Block, facts: BlockFacts, context: ModuleContext, index: int,
                path: str, excluded: frozenset[str] = frozenset()) -> tuple[_BlockResult, bool]:
        aliases = context.bandit_aliases_for(facts, index)
        key = (block.kind, block.parse_text, aliases, excluded)
        entries = self._bandit_cache.lookup(key)
        if entries:
            count = context.module_counts[index]
            for queries, result in entries:
                if not queries or self._queries_hold(queries, context, index, count):
                    return result, False
        modules = context.modules_before(index)
        queries, result = self._run_bandit(block, modules, dict(aliases), path, excluded, facts.tree)
        with self._lock:
            entries = list(self._bandit_cache.lookup(key) or ())
            entries.insert(0, (queries, result))
            self._bandit_cache.store(key, tuple(entries[:4]))
        return result, True

    @staticmethod
    def _queries_hold(queries: tuple, context: ModuleContext, index: int, count: int) -> bool:
        """Bandit's recorded import questions give the same answers at this block."""
        memo = context.memo
        key = (id(queries), count)
        held = memo.get(key)
        if held is None:
            answer_at = context.bandit_answer
            held = memo[key] = all(answer_at(kind, module, index) == answer for kind, module, answer in queries)
        return held

    def _run_bandit(self, block: Block, modules: frozenset[str], aliases: dict[str, str],
                    path: str, excluded: frozenset[str], tree=None) -> tuple[tuple, _BlockResult]:
        try:
            result = bandit_provider.run_block(block.parse_text, modules, aliases, path, aliases, excluded, tree)
        except RecursionError:
            return (), _BlockResult((), (f"bandit: lines {block.start}-{block.end} are nested too deeply",))
        except Exception as error:  # a bandit bug must not cost the other blocks
            return (), _BlockResult((), (f"bandit failed on lines {block.start}-{block.end}: {error!r}",))
        queries = tuple((kind, module, _bandit_answer(kind, module, modules)) for kind, module in result.queries)
        queries = self._interned.setdefault(queries, queries)  # blocks share them: validation is memoized by id
        return queries, _BlockResult(_verified(result.findings, block), tuple(f"bandit: {e}" for e in result.errors))

    def _rule_options(self, settings: Settings) -> tuple[int, tuple[dict, ...]]:
        """(a token for the rules' option values, each local rule's ``ctx.options``), once per
        analysis: the token is part of the rules cache key, so results never outlive the
        option values they were computed with."""
        key = tuple((name, type(value), value) for name, value in settings.options)  # 5 == 5.0, yet they print apart
        found = self._options.get(key)
        if found is None:
            configured = dict(settings.options)
            per_rule = tuple({option.name: configured.get(f"{rule.name}.{option.name}", option.default)
                              for option in rule.options} if rule.options else _NOTHING for rule in self._rules)
            # The values as the rules see them: settings that give them the same values share a token.
            values = tuple((name, type(value), value) for options in per_rule for name, value in options.items())
            with self._lock:
                token = self._option_tokens.setdefault(values, len(self._option_tokens))
                found = self._options[key] = (token, per_rule)
        return found

    def _rules_for(self, block: Block, facts: BlockFacts, view: _View, path: str,
                   path_kind: str, options: tuple[int, tuple[dict, ...]]) -> tuple[_BlockResult, bool]:
        token, per_rule = options
        key = (block.kind, block.parse_text, path, token)
        cached: _RulesResult | None = self._rules_cache.lookup(key)
        if cached is not None:
            current = (view.imports_fp, view.functions_fp)
            if cached.valid_for == current:
                return cached.result, False
            if cached.union.holds(view):
                cached.valid_for = current
                return cached.result, False
            entries = cached.entries
            stale = [i for i in cached.readers if not entries[i].reads.holds(view)]
            if not stale:
                cached.valid_for = current
                return cached.result, False
            ctx = self._context_for(key, facts, block, view, path)
            entries = list(cached.entries)
            for i in stale:
                entries[i] = self._run_rule(self._rules[i], ctx, block, per_rule[i])
            _share_memo_reads([entries[i] for i in stale])
            fresh = _RulesResult(entries, view)
        else:
            ctx = self._context_for(key, facts, block, view, path)
            entries = [self._run_rule(rule, ctx, block, rule_options) for rule, rule_options in zip(self._rules, per_rule)]
            _share_memo_reads(entries)
            fresh = _RulesResult(entries, view)
        with self._lock:
            self._rules_cache.store(key, fresh)
        return fresh.result, True

    def _context_for(self, key, facts: BlockFacts, block: Block, view: _View, path: str) -> _TrackedContext:
        ctx = self._contexts.lookup(key)
        if ctx is not None and ctx.tree is facts.tree:
            return ctx.rebind(view)
        ctx = _TrackedContext(facts.tree, block.parse_text, view, path, block.start - block.line_offset, facts.index)
        with self._lock:
            self._contexts.store(key, ctx)
        return ctx

    def _run_rule(self, rule, ctx: _TrackedContext, block: Block, options: dict) -> _RuleEntry:
        reads = ctx.start_rule()
        ctx.options = options
        errors: tuple[str, ...] = ()
        try:
            rule.check(ctx)
        except Exception as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            errors = (f"{rule.code} ({rule.name}) failed on lines {block.start}-{block.end}: "
                      f"{error!r} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",)
            log.exception("rule %s failed", rule.code)
        return _RuleEntry(reads, _verified(ctx.findings, block), errors)

    # --- filters -------------------------------------------------------------
    def _dedupe(self, findings: list[Finding]) -> list[Finding]:
        """Drop exact duplicates (the same code, place and message)."""
        seen: set[tuple] = set()
        result = []
        for finding in findings:
            key = (finding.code, finding.line, finding.col, finding.message)
            if key not in seen:
                seen.add(key)
                result.append(finding)
        return result

    def _drop_superseded(self, findings: list[Finding]) -> list[Finding]:
        """One defect, one diagnostic: drop bandit findings that an *enabled* caveat rule
        reports on the same line (ignore the caveat rule and bandit's comes back)."""
        covered: set[tuple[str, int]] = set()
        for finding in findings:
            for bandit_code in self._supersedes.get(finding.code, ()):
                for line in range(finding.line, finding.end_line + 1):
                    covered.add((bandit_code, line))
        if not covered:
            return findings
        return [f for f in findings if not (f.source == "bandit" and (f.code, f.line) in covered)]

    def _filter(self, findings: list[Finding], lines: list[str], settings: Settings, infos=None,
                new_lines: frozenset[int] | None = frozenset()) -> list[Finding]:
        """Selection (the strict profile on new lines unless ``new-code = "default"``), severity,
        suppressions (caveat's, bandit's, peer tools')."""
        infos = infos or all_rules()
        off, strict = default_off(), opt_in()
        suppressions, problems = parse_suppressions(lines, infos.keys())
        nosec = parse_nosec(lines) if self._supersedes else {}
        peers = parse_peer_suppressions(lines) if settings.respect_peer_suppressions else {}
        by_line: dict[int, list] = {}
        for suppression in suppressions:
            by_line.setdefault(suppression.line, []).append(suppression)
        used: set[tuple[int, int]] = set()
        kept: list[Finding] = []
        on_new = settings.new_code_strict
        claims = default_claims()
        enabled = [f for f in findings if settings.is_enabled(
            f.code, f.category, off, frozenset() if (f.code, f.claim) in claims else strict,
            strict=on_new and (new_lines is None or f.line in new_lines))]
        for finding in self._drop_superseded(enabled):
            aliases = self._supersedes.get(finding.code, ())
            if _suppressed(finding, by_line, used, aliases) or _nosec(finding, nosec, aliases) or \
                    (peers and peer_suppressed(finding, peers, aliases)):
                continue
            severity = settings.severity_for(finding.code, finding.severity)
            kept.append(finding if severity == finding.severity else replace(finding, severity=severity))
        bad = meta.MALFORMED_SUPPRESSION
        if settings.is_enabled(bad.code, bad.category, off, strict):
            for problem in problems:
                kept.append(Finding(bad.code, bad.name, bad.category, None, settings.severity_for(bad.code, bad.severity),
                                    problem.message, problem.line, problem.col, problem.line, problem.end_col))
        unused = meta.UNUSED_SUPPRESSION
        if settings.report_unused_suppressions:
            for s in suppressions:
                if (s.line, s.col) not in used:
                    what = "any finding" if s.codes is None else ", ".join(sorted(s.codes))
                    line_text = lines[s.line - 1].rstrip("\r\n")
                    start = len(line_text[: s.col].rstrip())
                    fix = Fix("Remove the unused suppression", (TextEdit(Position(s.line, start), Position(s.line, s.end_col), ""),))
                    kept.append(Finding(unused.code, unused.name, unused.category, None, unused.severity,
                                        f"Unused suppression: no {what} on this line", s.line, s.col, s.line, s.end_col, fix=fix))
        kept.sort(key=Finding.sort_key)
        return kept


def _suppressed(finding: Finding, by_line: dict[int, list], used: set[tuple[int, int]],
                aliases=()) -> bool:
    """A suppression naming the finding's code, or a bandit test its rule supersedes
    (``# caveat: ignore[B501]`` written for bandit keeps meaning "this defect")."""
    for line in {finding.line, finding.end_line}:
        for suppression in by_line.get(line, ()):
            if suppression.codes is None or finding.code in suppression.codes or \
                    (aliases and not suppression.codes.isdisjoint(aliases)):
                used.add((suppression.line, suppression.col))
                return True
    return False


def _nosec(finding: Finding, nosec: dict[int, frozenset[str] | None], aliases) -> bool:
    """bandit's ``# nosec`` also covers the caveat rule that reports a bandit test's
    defect in its place: a bare ``# nosec``, or one naming a superseded test."""
    if not aliases or not nosec:
        return False
    for line in {finding.line, finding.end_line}:
        if line in nosec:
            named = nosec[line]
            if named is None or not named.isdisjoint(aliases):
                return True
    return False


def _verified(findings, block: Block) -> tuple[Finding, ...]:
    """Drop fixes whose result would not parse or that edit outside the block."""
    if not findings:
        return ()
    if all(finding.fix is None for finding in findings):
        return tuple(findings)
    result = []
    lines = block.parse_text.splitlines(keepends=True)
    first = block.start - block.line_offset
    for finding in findings:
        fix = finding.fix
        if fix is not None:
            inside = all(first <= e.start.line and e.end.line <= len(lines) for e in fix.edits)
            if not inside or not parses(apply_edits(block.parse_text, fix.edits)):
                log.warning("dropping fix %r for %s: it would not parse", fix.title, finding.code)
                finding = replace(finding, fix=None)
        result.append(finding)
    return tuple(result)


def parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping edits (positions in code points) to ``text``."""
    lines = split_lines(text)  # str.splitlines also breaks at form feeds: positions would be off
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(pos: Position) -> int:
        if pos.line - 1 >= len(lines):
            return len(text)
        return offsets[pos.line - 1] + min(pos.col, len(lines[pos.line - 1]))

    for edit in sorted(edits, key=lambda e: (e.start.line, e.start.col), reverse=True):
        start, end = offset(edit.start), offset(edit.end)
        text = text[:start] + edit.text + text[end:]
    return text


def _syntax_note(block: Block, facts: BlockFacts) -> Finding:
    info = meta.SYNTAX_ERROR
    error = facts.syntax_error
    line = (error.lineno or 1) + block.line_offset if error and error.lineno else block.start
    line = min(max(line, block.start), block.end)
    message = f"caveat skipped lines {block.start}-{block.end} until they parse: {error.msg if error else 'syntax error'}"
    parsed = block.parse_text.splitlines()
    newer = syntax_version.newer_syntax(error, parsed[error.lineno - 1] if error and error.lineno and error.lineno <= len(parsed) else "")
    if newer is not None:  # not a mistake: syntax of a newer Python (said once per run / session too)
        message = syntax_version.note(newer, block.start, block.end)
    return Finding(info.code, info.name, info.category, None, info.severity, message, line, 0, line, 0)


def _analysis_error(block: Block, error: str) -> Finding:
    info = meta.ANALYSIS_ERROR
    return Finding(info.code, info.name, info.category, None, info.severity, error, block.start, 0, block.start, 0)


def _path_kind(path: str) -> str:
    """Path facts rules may use (test files, settings modules); part of the cache key."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "|".join(k for k, hit in (("test", name.startswith("test_") or name.endswith("_test.py") or "/tests/" in path),
                                      ("settings", name == "settings.py" or "/settings/" in path)) if hit)


class Document:
    """Successive versions of one buffer, analysed incrementally.

    Splitting is incremental (``Splitter``), provider results come from the
    engine's per-block caches, so an edit costs about what the edited block costs.

    Error tolerance while typing: with ``keep=True`` (the default) a block that does
    not parse keeps the findings it had in the last analysed version, on the lines
    the edits since then left untouched (shifted with those lines, without their
    quick-fixes), for as long as it does not parse; the first block that does not
    parse also gets the one CAV004 note of the document. When the block parses
    again its fresh findings replace the kept ones. So the result of ``analyze``
    equals ``Engine.analyze`` of the same text (a from-scratch analysis) whenever
    every block parses; otherwise it equals it plus the kept findings, all of which
    lie in blocks that do not parse.

    Kept findings depend on the edit history, not only on the text, so they are a
    transient: ``analyze(..., keep=False)`` keeps nothing (and forgets what was
    kept), and its result always equals ``Engine.analyze`` of the same text. The
    server asks for it once the buffer has been quiet for a moment (see
    ``caveat.lsp.server.KEEP_WHILE_TYPING``), so what a user sees after typing
    is what ``caveat check`` says.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.splitter = Splitter()
        self._text = ""  # the last analysed version
        self._lines: list[str] = []
        self._raw: list[Finding] = []  # its provider findings (and kept ones)

    def analyze(self, text: str, path: str, settings: Settings,
                is_cancelled: Callable[[], bool] = lambda: False, keep: bool = True,
                new_lines: frozenset[int] | None = frozenset()) -> Analysis:
        engine = self.engine
        too_large = engine._too_large(text, path, settings)
        if too_large is not None:
            self.close()
            return too_large
        blocks = self.splitter.split(text)
        lines = self.splitter.lines
        mapping = None

        def kept_in(block: Block) -> list[Finding]:
            nonlocal mapping
            if not keep or not self._raw:
                return []
            if mapping is None:
                _, p, s = relines(self._text, self._lines, text) if self._text != text else (None, len(lines), 0)
                mapping = (p, len(self._lines) - s, len(lines) - len(self._lines))
            return _kept_in(self._raw, block, *mapping)

        analysis = engine._analyse(blocks, lines, text, path, settings, is_cancelled, kept_in, new_lines)
        self._text, self._lines = text, lines
        self._raw = [f for f in analysis.raw if f.source != "caveat" or f.code not in _ENGINE_NOTES]
        return analysis

    @property
    def lines(self) -> list[str]:
        """The lines of the last version split (``split_lines`` of it)."""
        return self.splitter.lines

    def close(self) -> None:
        """Forget the buffer (the engine's shared caches stay)."""
        self.splitter = Splitter()
        self._text, self._lines, self._raw = "", [], []


_ENGINE_NOTES = frozenset({meta.SYNTAX_ERROR.code, meta.ANALYSIS_ERROR.code, meta.FILE_TOO_LARGE.code})


def _kept_in(previous: list[Finding], block: Block, p: int, old_end: int, delta: int) -> list[Finding]:
    """The previous findings that lie, after the edit, inside ``block``: old lines
    1..p are unchanged, old lines after ``old_end`` moved by ``delta``, the rest changed."""
    kept = []
    for finding in previous:
        line, end = finding.line, finding.end_line
        if end <= p:
            moved = 0
        elif line > old_end:
            moved = delta
        else:
            continue
        if block.start <= line + moved and end + moved <= block.end:
            kept.append(replace(finding.shifted(moved), fix=None) if finding.fix else finding.shifted(moved))
    return kept
