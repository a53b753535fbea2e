"""The engine: one document version -> findings, shared by the CLI and the server.

text -> blocks -> providers (bandit, caveat rules) -> findings -> filters
(selection, severity, suppressions, dedupe). Provider results are cached per
block by (block text, the context the block depends on), so re-analysing an
edited buffer re-runs only the blocks the edit touched.
"""
from __future__ import annotations

import ast
import logging
import threading
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Callable

from caveat.engine.blocks import Block, split_blocks
from caveat.engine.context import BlockFacts, ModuleContext, build_context
from caveat.engine.findings import Finding, Fix, Position, Severity, TextEdit
from caveat.engine.suppression import parse_suppressions
from caveat.project import Settings
from caveat.providers import bandit_provider
from caveat.rules import all_rules, caveat_rules, default_off, meta
from caveat.rules.base import RuleContext

log = logging.getLogger("caveat.engine")


class Cancelled(Exception):
    """Raised inside analysis when a newer version of the document arrived."""


@dataclass
class Analysis:
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)  # what the user should be told
    blocks: int = 0
    analysed_blocks: int = 0  # blocks that missed the cache
    raw: list[Finding] = field(default_factory=list)  # before selection and suppressions


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, compute):
        try:
            value = self[key]
            self.move_to_end(key)
            return value, False
        except KeyError:
            value = compute()
            self[key] = value
            if len(self) > self.size:
                self.popitem(last=False)
            return value, True


@dataclass(frozen=True)
class _BlockResult:
    findings: tuple[Finding, ...]
    errors: tuple[str, ...]


class Engine:
    """Holds the per-block caches; safe to share between threads."""

    def __init__(self, cache_size: int = 20_000) -> None:
        self._bandit_cache = _LRU(cache_size)
        self._rules_cache = _LRU(cache_size)
        self._lock = threading.Lock()
        self._rules = [rule() for rule in caveat_rules()]
        self._supersedes = {rule.code: set(rule.supersedes) for rule in self._rules}

    def analyze(self, text: str, path: str, settings: Settings,
                is_cancelled: Callable[[], bool] = lambda: False) -> Analysis:
        infos = all_rules()
        size_kb = len(text.encode("utf-8", "surrogatepass")) / 1024
        if size_kb > settings.max_file_size_kb:
            note = (f"{path or 'this file'} is {size_kb:.0f} KB, over max-file-size-kb = "
                    f"{settings.max_file_size_kb}; caveat did not analyse it")
            info = meta.FILE_TOO_LARGE
            finding = Finding(info.code, info.name, info.category, None, info.severity,
                              note, 1, 0, 1, 0, source="caveat")
            return Analysis(self._filter([finding], text, settings), [note], raw=[finding])

        blocks = split_blocks(text)
        context, facts = build_context(blocks)
        findings: list[Finding] = []
        notes: list[str] = []
        syntax_noted = False
        missed = 0
        for index, (block, block_facts) in enumerate(zip(blocks, facts)):
            if is_cancelled():
                raise Cancelled()
            if block_facts.tree is None:
                if not syntax_noted and block.kind != "class-header":
                    syntax_noted = True
                    findings.append(_syntax_note(block, block_facts))
                continue
            results, fresh = self._analyse_block(block, block_facts, context, index, path)
            missed += fresh
            for result in results:
                for finding in result.findings:
                    shifted = finding.shifted(block.line_offset)
                    if block.start <= shifted.line <= block.end:
                        findings.append(shifted)
                for error in result.errors:
                    findings.append(_analysis_error(block, error))
                    notes.append(error)
        file_level = bandit_provider.run_file_checks(text, path)
        findings.extend(file_level.findings)
        findings = self._dedupe(findings)
        return Analysis(self._filter(findings, text, settings, infos), notes, len(blocks), missed, findings)

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

    def merge(self, text: str, settings: Settings, *parts: Analysis) -> list[Finding]:
        """Selection, suppressions and dedupe over the raw findings of several stages."""
        raw = [finding for part in parts for finding in part.raw]
        return self._filter(self._dedupe(raw), text, settings)

    # --- providers ----------------------------------------------------------
    def _analyse_block(self, block: Block, facts: BlockFacts, context: ModuleContext,
                       index: int, path: str) -> tuple[list[_BlockResult], int]:
        modules = context.modules_before[index]
        aliases = tuple(sorted((n, q) for n, q in context.imports.items() if n in facts.reads))
        bandit_key = (block.kind, block.parse_text, modules, aliases)
        bandit_result, bandit_fresh = self._bandit_cache.get_or(
            bandit_key, lambda: self._run_bandit(block, modules, dict(aliases), path))
        rules_key = (block.kind, block.parse_text, context.key_for(facts), _path_kind(path))
        rules_result, rules_fresh = self._rules_cache.get_or(
            rules_key, lambda: self._run_rules(block, facts, context, path))
        return [bandit_result, rules_result], int(bandit_fresh or rules_fresh)

    def _run_bandit(self, block: Block, modules: frozenset[str], aliases: dict[str, str], path: str) -> _BlockResult:
        bandit_aliases = {n: q for n, q in aliases.items() if n != q}
        try:
            result = bandit_provider.run_block(block.parse_text, modules, bandit_aliases, path, aliases)
        except Exception as error:  # a bandit bug must not cost the other blocks
            return _BlockResult((), (f"bandit failed on lines {block.start}-{block.end}: {error!r}",))
        return _BlockResult(_verified(result.findings, block), tuple(f"bandit: {e}" for e in result.errors))

    def _run_rules(self, block: Block, facts: BlockFacts, context: ModuleContext, path: str) -> _BlockResult:
        ctx = RuleContext(facts.tree, block.parse_text, context.imports, context.functions, path,
                          first_line=block.start - block.line_offset)
        errors: list[str] = []
        for rule in self._rules:
            try:
                rule.check(ctx)
            except Exception as error:
                where = traceback.extract_tb(error.__traceback__)[-1]
                errors.append(f"{rule.code} ({rule.name}) failed on lines {block.start}-{block.end}: "
                              f"{error!r} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}")
                log.exception("rule %s failed", rule.code)
        return _BlockResult(_verified(ctx.findings, block), tuple(errors))

    # --- filters -------------------------------------------------------------
    def _dedupe(self, findings: list[Finding]) -> list[Finding]:
        """One defect, one diagnostic: drop bandit findings a caveat rule covers."""
        covered: set[tuple[str, int]] = set()
        for finding in findings:
            for bandit_code in self._supersedes.get(finding.code, ()):
                for line in range(finding.line, finding.end_line + 1):
                    covered.add((bandit_code, line))
        seen: set[tuple] = set()
        result = []
        for finding in findings:
            if finding.source == "bandit" and (finding.code, finding.line) in covered:
                continue
            key = (finding.code, finding.line, finding.col, finding.message)
            if key not in seen:
                seen.add(key)
                result.append(finding)
        return result

    def _filter(self, findings: list[Finding], text: str, settings: Settings, infos=None) -> list[Finding]:
        infos = infos or all_rules()
        off = default_off()
        lines = text.splitlines()
        suppressions, problems = parse_suppressions(lines, infos.keys())
        by_line: dict[int, list] = {}
        for suppression in suppressions:
            by_line.setdefault(suppression.line, []).append(suppression)
        used: set[tuple[int, int]] = set()
        kept: list[Finding] = []
        for finding in findings:
            if not settings.is_enabled(finding.code, finding.category, off):
                continue
            if _suppressed(finding, by_line, used):
                continue
            severity = settings.severity_for(finding.code, finding.severity)
            kept.append(finding if severity == finding.severity else replace(finding, severity=severity))
        bad = meta.MALFORMED_SUPPRESSION
        if settings.is_enabled(bad.code, bad.category, off):
            for problem in problems:
                kept.append(Finding(bad.code, bad.name, bad.category, None, settings.severity_for(bad.code, bad.severity),
                                    problem.message, problem.line, problem.col, problem.line, problem.end_col))
        unused = meta.UNUSED_SUPPRESSION
        if settings.report_unused_suppressions:
            for s in suppressions:
                if (s.line, s.col) not in used:
                    what = "any finding" if s.codes is None else ", ".join(sorted(s.codes))
                    line_text = lines[s.line - 1]
                    start = len(line_text[: s.col].rstrip())
                    fix = Fix("Remove the unused suppression", (TextEdit(Position(s.line, start), Position(s.line, s.end_col), ""),))
                    kept.append(Finding(unused.code, unused.name, unused.category, None, unused.severity,
                                        f"Unused suppression: no {what} on this line", s.line, s.col, s.line, s.end_col, fix=fix))
        kept.sort(key=Finding.sort_key)
        return kept


def _suppressed(finding: Finding, by_line: dict[int, list], used: set[tuple[int, int]]) -> bool:
    for line in {finding.line, finding.end_line}:
        for suppression in by_line.get(line, ()):
            if suppression.codes is None or finding.code in suppression.codes:
                used.add((suppression.line, suppression.col))
                return True
    return False


def _verified(findings, block: Block) -> tuple[Finding, ...]:
    """Drop fixes whose result would not parse or that edit outside the block."""
    result = []
    lines = block.parse_text.splitlines(keepends=True)
    first = block.start - block.line_offset
    for finding in findings:
        fix = finding.fix
        if fix is not None:
            inside = all(first <= e.start.line and e.end.line <= len(lines) for e in fix.edits)
            if not inside or not _parses(apply_edits(block.parse_text, fix.edits)):
                log.warning("dropping fix %r for %s: it would not parse", fix.title, finding.code)
                finding = replace(finding, fix=None)
        result.append(finding)
    return tuple(result)


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping edits (positions in code points) to ``text``."""
    lines = text.splitlines(keepends=True)
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
    return Finding(info.code, info.name, info.category, None, info.severity, message, line, 0, line, 0)


def _analysis_error(block: Block, error: str) -> Finding:
    info = meta.ANALYSIS_ERROR
    return Finding(info.code, info.name, info.category, None, info.severity, error, block.start, 0, block.start, 0)


def _path_kind(path: str) -> str:
    """Path facts rules may use (test files, settings modules); part of the cache key."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "|".join(k for k, hit in (("test", name.startswith("test_") or name.endswith("_test.py") or "/tests/" in path),
                                      ("settings", name == "settings.py" or "/settings/" in path)) if hit)
