"""API reality checks against the project's own environment (the engine's slow stage).

``provider_for(settings)`` returns the ``ApiProvider`` of a (root, python setting) pair;
``ApiProvider.analyze(text, path, settings, is_cancelled)`` returns findings in document
coordinates and notes (the environment in use, time-outs, failures). It is called from a
worker thread (the server) or inline (the CLI), never on the event loop.

Stages, cheapest first:

1. imports (no jedi): hallucinated-module, undeclared-dependency, version-mismatch and
   removed modules, from file-system lookups, the environment's metadata and the project's
   declarations;
2. module attributes known to the knowledge base through the imports (``np.float``);
3. jedi, per block and only for blocks whose text or context changed: attributes
   (hallucinated-attribute, removed-api) and keyword arguments (unknown-keyword-argument),
   within a time budget; an exhausted budget is a note, and the next analysis continues
   where this one stopped (finished blocks are cached).

Nothing of the project is executed (see caveat.environment and jedi_checks).
"""
from __future__ import annotations

import difflib
import hashlib
import logging
import os
import sys
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from caveat.engine.blocks import split_blocks
from caveat.engine.context import build_context
from caveat.engine.findings import Finding, Fix, Position, Severity, TextEdit
from caveat.environment import Environment, discover, distribution_index
from caveat.project import Settings
from caveat.providers.api import knowledge
from caveat.providers.api.class_keys import class_keys
from caveat.providers.api.index import Ref, index_for, ref_from_jedi
from caveat.providers.api.inference import Inference, ModuleModel, Value
from caveat.providers.api.dependencies import (add_dependency_edits, mismatch, project_dependencies,
                                              unknowable_without_environment)
from caveat.providers.api.modules import is_stdlib, known_distribution, resolve_top, suggestions, workspace_index
from caveat.providers.api.sites import AttrSite, CallSite, ImportSite, block_sites
from caveat.rules.api.hallucinated_attribute import HallucinatedAttribute
from caveat.rules.api.hallucinated_module import HallucinatedModule
from caveat.rules.api.removed_api import RemovedApi
from caveat.rules.api.undeclared_dependency import UndeclaredDependency
from caveat.rules.api.unknown_keyword_argument import UnknownKeywordArgument
from caveat.rules.api.version_mismatch import VersionMismatch

log = logging.getLogger("caveat.api")

DEFAULT_BUDGET_SECONDS = 30.0  # per call; cancellation is checked between sites
# The budget is CPU time of the analysing thread: waiting (for jedi's lock, for a core on a
# loaded machine) does not use it up, so how much of a file is checked does not depend on the load.
_budget_clock = time.thread_time
_ENV_RECHECK_SECONDS = 5.0
_BUDGET_NOTE = "API checks stopped after the"


def stopped_by_budget(notes: list[str]) -> bool:
    """Whether ``analyze``'s notes say it ran out of time: its findings are partial."""
    return any(note.startswith(_BUDGET_NOTE) for note in notes)


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key, default=None):
        try:
            value = self[key]
        except KeyError:
            return default
        self.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


@dataclass(frozen=True)
class _Rel:
    """A finding relative to its block (line offset from the block's parse text)."""

    finding: Finding


_PROVIDERS: dict[tuple[str, str | None], "ApiProvider"] = {}
_PROVIDERS_LOCK = threading.Lock()


def provider_for(settings: Settings) -> "ApiProvider":
    """The provider for the settings' (root, python) pair; cheap, never blocks on jedi."""
    key = (str(Path(settings.root).resolve()) if settings.root else os.getcwd(), settings.python)
    with _PROVIDERS_LOCK:
        provider = _PROVIDERS.get(key)
        if provider is None:
            provider = _PROVIDERS[key] = ApiProvider(key[0], settings.python)
        return provider


def _finding(rule, message: str, line: int, col: int, end_line: int, end_col: int, env: Environment,
             fix: Fix | None = None, severity: Severity | None = None) -> Finding:
    return Finding(rule.code, rule.name, rule.category, rule.cwe, severity or rule.severity, message,
                   line, col, end_line, end_col, fix=fix, source="jedi",
                   extra=(("environment", env.describe()),))


class ApiProvider:
    def __init__(self, root: str, python_setting: str | None) -> None:
        self.root = Path(root)
        self.python_setting = python_setting
        self._env: Environment | None = None
        self._env_notes: list[str] = []
        self._env_checked = 0.0
        self._lock = threading.Lock()
        self._block_cache = _LRU(20_000)
        self._member_cache: dict = {}
        self._project = None
        self._project_key = None
        self.stats = {"jedi_calls": 0, "jedi_seconds": 0.0, "blocks_analysed": 0}

    # --- environment --------------------------------------------------------
    def environment(self) -> Environment:
        now = time.monotonic()
        if self._env is None or now - self._env_checked > _ENV_RECHECK_SECONDS:
            # Setting-driven paths from settings relative to the root are resolved in discover().
            env, notes = discover(self._python_path(), self.root)
            if self._env is not None and env.key != self._env.key:
                log.info("API checks now use %s", env.describe())
            elif self._env is None:
                log.info("API checks use %s", env.describe())
            self._env, self._env_notes, self._env_checked = env, notes, now
        return self._env

    def _python_path(self) -> str | None:
        if not self.python_setting:
            return None
        path = Path(os.path.expanduser(self.python_setting))
        return str(path if path.is_absolute() else self.root / path)

    def _jedi_project(self, env: Environment):
        from caveat.providers.api.jedi_checks import make_project

        key = (env.key, env.fingerprint())
        if self._project is None or self._project_key != key:
            if self._project_key is not None and self._project_key[0] == env.key:
                self._member_cache.clear()  # packages changed
            self._project = make_project(self.root, env)
            self._project_key = key
        return self._project

    def cache_token(self, path: str | None = None) -> str:
        """Changes whenever API results for an unchanged file may change: the environment
        (and its installed packages), the project's declaration and lock files, the
        workspace's first-party module names. For on-disk result caches (caveat check)."""
        env = self.environment()
        deps = project_dependencies(self.root, path)
        files = []
        for source in sorted({s.split(" [")[0].split(" setup(")[0] for s in deps.sources}
                             | {str(p) for p in deps.requirements_files}
                             | {str(deps.root / n) for n in ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")}):
            try:
                files.append((source, os.stat(source).st_mtime_ns))
            except OSError:
                pass
        workspace = workspace_index(self.root, env)
        digest = hashlib.blake2b(digest_size=12)
        # env.source too: the cached notes say how the environment was found ("the `python` setting")
        digest.update(repr((env.key, env.source, env.fingerprint(), files, sorted(workspace.names)))
                      .encode("utf-8", "replace"))
        return digest.hexdigest()

    # --- entry point ------------------------------------------------------------
    def analyze(self, text: str, path: str, settings: Settings,
                is_cancelled: Callable[[], bool] = lambda: False) -> tuple[list[Finding], list[str]]:
        env = self.environment()
        notes = [f"environment: {env.describe()}", *self._env_notes]  # the server shows it on hover
        budget = float(settings.option("api-time-budget", settings.option("api_time_budget", DEFAULT_BUDGET_SECONDS)))
        deadline = _budget_clock() + budget
        findings: list[Finding] = []
        try:
            blocks = split_blocks(text)
            context, facts = build_context(blocks)
        except Exception as error:  # never crash the server on odd text
            log.exception("API checks could not split %s", path)
            return [], notes + [f"API checks failed: {error!r}"]
        imports_key = tuple(sorted(context.imports.items()))
        index = distribution_index(env)
        deps = project_dependencies(self.root, path)
        workspace = workspace_index(self.root, env)
        py_version = env.python_version or sys.version_info[:2]
        stdlib_ok = tuple(py_version) == tuple(sys.version_info[:2])
        if not stdlib_ok:
            notes.append(f"the project's Python ({env.version_text}) differs from the one caveat runs on "
                         f"(Python {sys.version_info[0]}.{sys.version_info[1]}): standard-library attributes "
                         f"and keywords are not checked")

        per_block = []
        for position, (block, block_facts) in enumerate(zip(blocks, facts)):
            if block_facts.tree is None:
                continue
            sites = block_sites(block.parse_text, imports_key)
            if sites is None:
                continue
            per_block.append((position, block, block_facts, sites))
        member_keys = class_keys(blocks, facts)
        model = ModuleModel.build(blocks, facts, context.imports, str(self.root), path)

        # 1-2: imports and knowledge-base module attributes (cheap, always recomputed).
        seen_modules: set[tuple[str, str]] = set()
        for _, _, _, sites in per_block:  # a module imported optionally anywhere is optional everywhere
            for site in sites.imports:
                if site.optional and not site.level:
                    seen_modules.add(("optional", site.module.split(".")[0]))
        for _, block, _, sites in per_block:
            for site in sites.imports:
                findings.extend(self._check_import(site, block.line_offset, env, index, deps, workspace,
                                                   path, py_version, seen_modules))
            for site in sites.attributes:
                if site.qualified and not site.guarded:
                    findings.extend(self._check_kb_module_attribute(site, block.line_offset, env, index, py_version))

        # 3: jedi, per block, cached.
        stopped = None
        pending: list = []
        decorated = _decorated_classes(blocks)
        for position, block, block_facts, sites in per_block:
            if block.kind == "member" and block.class_name in decorated:
                # attrs-style classes: fields are descriptors jedi misreads (self.x is not attrib())
                sites = replace(sites, attributes=tuple(replace(a, check=False) if a.self_rooted else a
                                                        for a in sites.attributes))
            work = [s for s in sites.attributes if s.check and not s.guarded] + \
                   [c for c in sites.calls if not c.guarded] + [i for i in sites.imports if i.is_from and i.names]
            if not work:
                continue
            key = (env.key, block.kind, block.parse_text, context.key_for(block_facts), member_keys.get(position, ""),
                   stdlib_ok, block.kind == "member" and block.class_name in decorated,
                   model.key_for(block_facts.reads))
            with self._lock:
                cached = self._block_cache.get(key)
            if cached is not None:
                findings.extend(f.shifted(block.line_offset) for f in cached)
                continue
            pending.append((block, sites, key, block_facts.tree))

        if pending:
            from caveat.providers.api.jedi_checks import JEDI_LOCK, Session

            done = 0
            with JEDI_LOCK, warnings.catch_warnings(record=True) as chatter:
                warnings.simplefilter("always")
                try:
                    started = time.monotonic()
                    session = _LazySession(lambda: Session(text, path or None, self._jedi_project(env), env,
                                                           self.root, self._member_cache), path,
                                           workspace.attributes)
                    for block, sites, key, tree in pending:
                        session.inference = Inference(index_for(env), model, tree, block.parse_text)
                        if is_cancelled():
                            raise _CancelledInside()
                        if done and _budget_clock() > deadline:
                            stopped = len(pending) - done
                            break
                        # The first block of an analysis always finishes: every analysis makes
                        # progress, so the next one continues (the server runs them until done).
                        block_findings = self._jedi_block(session, block, sites, env, index, py_version,
                                                          stdlib_ok, deadline if done else float("inf"),
                                                          is_cancelled)
                        if block_findings is None:  # ran out of time inside the block
                            stopped = len(pending) - done
                            break
                        with self._lock:
                            self._block_cache.put(key, tuple(block_findings))
                        findings.extend(f.shifted(block.line_offset) for f in block_findings)
                        done += 1
                        self.stats["blocks_analysed"] += 1
                    self.stats["jedi_seconds"] += time.monotonic() - started
                except _CancelledInside:
                    raise _cancelled()
                except Exception as error:
                    log.exception("jedi failed on %s", path)
                    notes.append(f"API checks (jedi) failed on {path or 'this file'}: {error!r}")
                for warning in chatter:  # jedi's "Module ... not importable": the log, not stderr
                    log.debug("jedi: %s", warning.message)
        if stopped:
            notes.append(f"{_BUDGET_NOTE} {budget:g} s time budget with {stopped} block(s) of "
                         f"{path or 'this file'} unchecked; they are checked on the next analysis")
        return _unique(findings), notes

    # --- imports ----------------------------------------------------------------
    def _check_import(self, site: ImportSite, offset: int, env: Environment, index, deps, workspace,
                      path: str, py_version, seen: set) -> list[Finding]:
        if site.level or not site.module:
            return []
        line = site.line + offset
        top = site.module.split(".")[0]
        results: list[Finding] = []
        version_text = f"{py_version[0]}.{py_version[1]}"

        for change in knowledge.module(site.module):
            installed = version_text if change.distribution == "python" else _installed(index, change.distribution)
            if change.applies(installed) and not site.optional and not site.conditional \
                    and not _still_there(env, change, site.module, None, py_version):
                severity = Severity.INFO if change.change == "deprecated" else None
                results.append(_finding(RemovedApi, f"import of `{site.module}`: {change.describe(installed)}",
                                        line, site.col, line, site.end_col, env, severity=severity))
                return results

        # from-imports of names the knowledge base knows (from flask import escape)
        if not site.optional and not site.conditional:
            for name in site.names:
                for change in knowledge.module_attribute(f"{site.module}.{name.name}"):
                    installed = version_text if change.distribution == "python" else _installed(index, change.distribution)
                    if change.applies(installed) and not _still_there(env, change, site.module, name.name, py_version):
                        severity = Severity.INFO if change.change == "deprecated" else None
                        results.append(_finding(RemovedApi, f"`from {site.module} import {name.name}`: "
                                                            f"{change.describe(installed)}", name.line + offset,
                                                name.col, name.line + offset, name.end_col, env, severity=severity))
                        break
        if is_stdlib(top):
            return results
        if ("optional", top) in seen:
            site = replace(site, optional=True)
        resolution = resolve_top(top, env, workspace, path)
        if resolution.kind == "missing":
            if site.optional or site.conditional or ("missing", top) in seen:
                return results
            seen.add(("missing", top))  # one diagnostic per missing package and file
            dist_guess = known_distribution(top)
            declared = deps.is_declared(top) or (dist_guess is not None and deps.is_declared(dist_guess))
            if declared and deps.only_optional(dist_guess or top) and deps.only_optional(top):
                return results  # an extra that is not installed: normal
            unknowable = unknowable_without_environment(deps, top, declared, dist_guess) if env.own else None
            if unknowable:
                log.debug("%s:%d: `%s` found nowhere, not reported (no project environment): %s",
                          path, line, top, unknowable)
                return results
            where = env.prefix if not env.own else f"caveat's own environment {env.prefix}, not declared by the project"
            if declared:
                message = (f"`{top}` is declared by the project but not installed in {where}; install the "
                           f"project's dependencies")
            elif dist_guess:
                message = (f"`{top}` is not installed in {where} and the project does not declare it; it is "
                           f"provided by the `{dist_guess}` distribution")
            else:
                installed_names = sorted(index.by_import)
                close = suggestions(top, installed_names)
                hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
                message = (f"`{top}` resolves nowhere (not in {where}, not in the workspace, not a known "
                           f"package): possibly a hallucinated or typo-squatted name - do not `pip install` it "
                           f"unverified{hint}")
            results.append(_finding(HallucinatedModule, message, line, site.col, line,
                                    site.col + len(top) if not site.is_from else site.end_col, env))
            return results

        if resolution.kind != "environment":
            return results
        missing = _missing_submodule(site.module, resolution.location, index_for(env))
        if missing and not site.optional and not site.conditional:
            results.append(_finding(HallucinatedModule,
                                    f"`{site.module}` does not exist: the installed `{top}` package has no "
                                    f"submodule `{missing}`", line, site.col, line, site.col + len(site.module), env))
            return results
        dists = index.for_module(site.module)
        if not dists:
            return results
        if any(d.key in deps.own_names for d in dists):
            return results
        dist = dists[0]
        # undeclared-dependency
        # (sound in caveat's own environment too: the import name -> distribution mapping
        # comes from the metadata of the package that was found)
        if (deps.has_declarations and not site.optional and not site.type_checking
                and not any(deps.is_declared(d.name) for d in dists)):
            key = ("undeclared", dist.key)
            if key not in seen:
                seen.add(key)
                fix = None
                requirement = f"{dist.name}>={dist.version}" if dist.version else dist.name
                edit = add_dependency_edits(deps, requirement, dist.name, dist.version)
                if edit is not None:
                    file, edits, table = edit
                    fix = Fix(f"Add `{requirement}` to {table} in {os.path.basename(file)}", (), safe=False,
                              other_files=((file, edits),))
                declared_in = ", ".join(sorted({os.path.basename(s.split(' [')[0]) for s in deps.sources})) or "the project"
                results.append(_finding(
                    UndeclaredDependency,
                    f"`{top}` comes from `{dist.name}` {dist.version}, installed in {env.prefix} but not declared in "
                    f"{declared_in}; it works here by accident and breaks in a fresh install",
                    line, site.col, line, site.col + len(top) if not site.is_from else site.end_col, env, fix=fix))
        # version-mismatch
        if not env.own and not site.type_checking:  # caveat's own versions say nothing about the project's
            key = ("mismatch", dist.key)
            if key not in seen:
                wanted = mismatch(deps, dist.name, dist.version, env.python_version)
                if wanted is not None:
                    seen.add(key)
                    spec, source = wanted
                    results.append(_finding(
                        VersionMismatch,
                        f"`{dist.name}` {dist.version} is installed in {env.prefix}, but {os.path.basename(source.split(' [')[0])} "
                        f"requires {spec}; sync the environment (the API checks look at the installed version)",
                        line, site.col, line, site.col + len(top) if not site.is_from else site.end_col, env))
        return results

    def _check_kb_module_attribute(self, site: AttrSite, offset: int, env: Environment, index, py_version) -> list[Finding]:
        changes = knowledge.module_attribute(site.qualified)
        if not changes:
            return []
        found = []
        for change in changes:
            installed = f"{py_version[0]}.{py_version[1]}" if change.distribution == "python" \
                else _installed(index, change.distribution)
            module = site.qualified.rpartition(".")[0]
            if change.applies(installed) and not _still_there(env, change, module, site.attr, py_version):
                severity = Severity.INFO if change.change == "deprecated" else None
                found.append(_finding(RemovedApi, f"`{site.receiver}.{site.attr}`: {change.describe(installed)}",
                                      site.line + offset, site.col, site.line + offset, site.end_col, env,
                                      severity=severity))
                break
        return found

    # --- jedi ----------------------------------------------------------------------
    def _jedi_block(self, session, block, sites, env, index, py_version, stdlib_ok, deadline,
                    is_cancelled) -> list[Finding] | None:
        """Findings of one block, relative to its parse text (line numbers without offset)."""
        offset = block.line_offset
        results: list[Finding] = []
        flagged: set[int] = set()
        reported: set[tuple[str, str]] = set()  # one finding per receiver text and name in a block
        for number, site in enumerate(sites.attributes):
            if not site.check or site.guarded:
                continue
            if _budget_clock() > deadline:
                return None
            if is_cancelled():
                raise _CancelledInside()
            if site.parent is not None and site.parent in flagged:
                flagged.add(number)
                continue
            if site.qualified and knowledge.module_attribute(site.qualified):
                continue  # reported by the knowledge-base stage
            if (site.receiver, site.attr) in reported:
                flagged.add(number)
                continue
            finding = self._attribute(session, site, offset, env, index, py_version, stdlib_ok)
            if finding is not None:
                flagged.add(number)
                reported.add((site.receiver, site.attr))
                results.append(finding)
        for site in sites.calls:
            if site.guarded:
                continue
            if _budget_clock() > deadline:
                return None
            results.extend(self._keywords(session, site, offset, env, index, py_version, stdlib_ok))
        for site in sites.imports:
            if site.is_from and site.names and not site.level and not site.optional and not site.conditional:
                if _budget_clock() > deadline:
                    return None
                results.extend(self._from_import(session, site, offset, env, index, py_version, stdlib_ok))
        return [finding.shifted(-offset) for finding in results]

    def _attribute(self, session, site: AttrSite, offset: int, env, index, py_version, stdlib_ok) -> Finding | None:
        """A member missing from the receiver's type: the static index decides (runtime source
        and stubs, through the bases); jedi only says what the receiver is when the imports
        do not. Uncertain -> None, with the reason in the log."""
        line = site.line + offset
        if site.attr.startswith("__") and site.attr.endswith("__"):
            return None  # dunders: protocols and runtime attributes stubs rarely declare
        api = index_for(env)
        # A name the project defines or assigns (``response.json = ...`` in a conftest): the
        # object may well be the project's own, or one it decorated; only the knowledge
        # base's removals are still worth jedi's time.
        project_name = not site.qualified and not site.literal and site.attr in session.workspace_attributes \
            and self._static_receivers(session, site, api) is None  # a type read statically is no guess
        if project_name and not knowledge.is_class_attribute_name(site.attr):
            return None
        receivers = self._receivers(session, site, offset, api)
        if receivers == "workspace":
            return self._workspace_member(session, site, offset, env, index, py_version)
        if not receivers:
            return None
        if any(r.stdlib for r, _ in receivers) and not stdlib_ok:
            return None
        if any(_structural(r) for r, _ in receivers):
            return None  # protocols, ABCs and `object`: duck typing, not a concrete type
        if any(ref is not None and ref.kind != "module" and api.is_protocol(ref) for _, ref in receivers):
            log.debug("%s:%d: `%s.%s` not reported: the declared type is a Protocol (the object has more)",
                      session.path_label, line, site.receiver, site.attr)
            return None
        if site.attr.startswith("_") and any(r.stdlib or ref is not None and ref.kind != "module"
                                             and api.compiled_class(ref) for r, ref in receivers):
            return None  # stubs leave private names out (typeshed; pandas' Cython ``Timedelta._repr_base``)
        if any(r.inferred and r.full_name.startswith("builtins.") and r.kind != "module" for r, _ in receivers) \
                and not (site.literal or site.annotated):
            return None  # jedi's guesses of container items and overloads land on builtins (str) too often
        owners: set[str] = set()
        all_names: set[str] = set()
        for receiver, ref in receivers:
            names, receiver_owners = self._names(session, api, receiver, ref)
            owners |= receiver_owners
            if site.attr in names.names:
                return self._deprecated(owners, site, offset, env, index, py_version)
            all_names.update(names.names)
            if not names.closed and not (names.data_only and site.is_call):
                log.debug("%s:%d: `%s.%s` not reported: %s", session.path_label, line, site.receiver, site.attr,
                          names.reason)
                return None
        # Knowledge base first: a removal/addition explains the absence better.
        for change in knowledge.class_attribute(site.attr, owners):
            installed = f"{py_version[0]}.{py_version[1]}" if change.distribution == "python" \
                else _installed(index, change.distribution)
            if change.applies(installed) and change.change != "deprecated":
                return _finding(RemovedApi, f"`{site.receiver}.{site.attr}`: {change.describe(installed)}",
                                line, site.col, line, site.end_col, env)
        if project_name:
            return None
        for receiver, ref in receivers:
            if ref is not None and ref.kind == "module" or receiver.exact:
                continue
            if self._subclass_has(session, api, receiver, ref, site, line):
                return None
            if receiver.inferred and _mentions(receiver.module_path, site.attr):
                return None  # the defining module uses the name (an overload jedi did not pick)
        if site.receiver_call is not None and any(r.inferred for r, _ in receivers):
            call_line = site.receiver_call[0] + offset
            if len(session.jedi.signatures(call_line, site.receiver_call[1])) > 1:
                return None  # an overloaded callee: jedi may have picked the wrong return type
        receiver = receivers[0][0]
        where = self._where(receiver, index, py_version)
        close = _close(site.attr, all_names)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        fix = None
        target = _fix_target(site.attr, close)
        if target:
            fix = Fix(f"Rename to `{target}`", (TextEdit(Position(line, site.col), Position(line, site.end_col), target),),
                      safe=False)
        what = "method" if site.is_call else "attribute"
        return _finding(HallucinatedAttribute,
                        f"{receiver.label} ({where}) has no {what} `{site.attr}`{hint}",
                        line, site.col, line, site.end_col, env, fix=fix)

    def _receivers(self, session, site: AttrSite, offset: int, api) -> list[tuple["_Receiver", Ref]] | str | None:
        """What the receiver is, as index references: from the imports when the receiver is an
        imported dotted name, a literal's type, else jedi's inference at the dot ("workspace"
        when that is the project's own object)."""
        if site.qualified and "." in site.qualified:
            ref = api.resolve(site.qualified.rsplit(".", 1)[0])
            if ref is not None and ref.kind in ("module", "class", "instance"):
                # a library's module-level object (``flask.request``) is of its declared class or
                # of a subclass (an application's own ``request_class``)
                return [(_Receiver.of(ref, api, exact=ref.kind != "instance"), ref)]
            if ref is None:
                return None
            return self._static_receivers(session, site, api)  # a property or a call's result
        if site.literal:
            ref = Ref("instance", "builtins", site.literal)
            return [(_Receiver.of(ref, api, exact=True), ref)]
        static = self._static_receivers(session, site, api)
        if static is not None:
            return static
        self.stats["jedi_calls"] += 1
        positions = [(site.dot[0] + offset, site.dot[1])]
        if site.receiver_call is None:  # at a call's ")" jedi may answer for the last argument
            positions.append((site.receiver_end[0] + offset, site.receiver_end[1]))
        inferred = session.jedi.receivers(positions)
        if not inferred:
            return None
        if not all(r.library for r in inferred):
            return "workspace"
        if site.alias and site.qualified:
            bound = site.qualified.rsplit(".", 1)[0]
            if any(r.full_name.rsplit(".", 1)[-1] != bound.rsplit(".", 1)[-1] for r in inferred):
                return None  # jedi disagrees with the import binding the name: trust neither
        if any(r.kind == "module" for r in inferred) and site.receiver.isidentifier() and not site.alias:
            return None  # a plain name that is no import of it: jedi guessed (pytest's fixture parameters)
        exact = site.receiver_call is not None and session.constructs(site.receiver_call, offset)
        result = []
        for receiver in inferred:
            ref = ref_from_jedi(api, receiver.kind, receiver.full_name, receiver.module_path)
            if ref is None:
                return None
            result.append((_Receiver(receiver.kind, ref.full_name if ref.kind != "module" else receiver.full_name,
                                     receiver.label, receiver.module_path, receiver.stdlib,
                                     exact or receiver.kind == "module" or receiver.kind == "class" and site.alias,
                                     True), ref))
        return result

    def _names(self, session, api, receiver: "_Receiver", ref: Ref | None):
        """(names, full names of its library classes) of a receiver."""
        if receiver.project is not None:
            return session.inference.project_names(receiver.project, receiver.instance)
        names = api.members(ref)
        owners = {k.full_name for k in api.mro(ref)} if ref.kind != "module" else set()
        return names, owners | {ref.full_name}

    def _subclass_has(self, session, api, receiver: "_Receiver", ref: Ref | None, site: AttrSite, line: int) -> bool:
        """A declared type may be any subclass: does one have the member (or may have it)?
        For the project's own annotations, subclasses from other distributions do not count."""
        inference = getattr(session, "inference", None)
        if receiver.project is not None:
            if receiver.project.home is not None:
                log.debug("%s:%d: `%s.%s` not reported: %s is declared, and another module of the project may "
                          "subclass it", session.path_label, line, site.receiver, site.attr, receiver.project.name)
                return True
            for subclass in inference.project_subclasses(receiver.project):
                names, _ = inference.project_names(subclass, receiver.instance)
                if site.attr in names.names or not names.closed:
                    return True
            return False
        family = {_family(ref.module), _family(receiver.declared)} - {"project"}
        for subclass in api.subclasses(ref):
            if receiver.declared and _family(subclass.module) not in family:
                continue  # a declared type: subclasses only the declaring code can make count
            names = api.members(subclass)
            if site.attr in names.names or not names.closed and not (names.data_only and site.is_call):
                log.debug("%s:%d: `%s.%s` not reported: subclass %s %s", session.path_label, line,
                          site.receiver, site.attr, subclass.full_name,
                          "has it" if site.attr in names.names else f"is open ({names.reason})")
                return True
        if inference is not None:
            for project in inference.model.classes.values():  # the module's own subclasses
                library = inference.library_base(project)
                if library is not None and ref.full_name in {k.full_name for k in api.mro(library)}:
                    names, _ = inference.project_names(project, True)
                    if site.attr in names.names or not names.closed:
                        return True
        return False

    def _static_receivers(self, session, site: AttrSite, api) -> list[tuple["_Receiver", Ref]] | None:
        """The receiver as the static inference reads it (caveat.providers.api.inference);
        None when it cannot tell (then jedi is asked)."""
        inference = getattr(session, "inference", None)
        node = inference.attribute_at(site.line, site.end_col) if inference is not None else None
        if node is None:
            return None
        values = inference.values(node.value)
        if values is None:
            return None
        result = []
        for value in values:
            receiver = _Receiver.of_value(value, inference)
            if receiver is None:
                return []  # a function, a method: attributes of those are not checked
            result.append(receiver)
        return result

    def _workspace_member(self, session, site: AttrSite, offset: int, env, index, py_version) -> Finding | None:
        """The project's own objects: only what the knowledge base says of the library member
        they inherit (``order.dict()`` on a pydantic model), found with jedi's goto."""
        line = site.line + offset
        owners = set()
        for name in session.jedi.goto_names(line, site.col):
            if session.jedi.location_kind(name.module_path) != "workspace" and "." in (name.full_name or ""):
                owners.add(name.full_name.rsplit(".", 1)[0])
        return self._deprecated(owners, site, offset, env, index, py_version) if owners else None

    def _deprecated(self, owners: set[str], site: AttrSite, offset: int, env, index, py_version) -> Finding | None:
        for change in knowledge.class_attribute(site.attr, owners):
            if change.change != "deprecated":
                continue
            installed = f"{py_version[0]}.{py_version[1]}" if change.distribution == "python" \
                else _installed(index, change.distribution)
            if change.applies(installed):
                line = site.line + offset
                return _finding(RemovedApi, f"`{site.receiver}.{site.attr}`: {change.describe(installed)}",
                                line, site.col, line, site.end_col, env, severity=Severity.INFO)
        return None

    def _from_import(self, session, site: ImportSite, offset: int, env, index, py_version, stdlib_ok) -> list[Finding]:
        """``from pkg.mod import name`` where pkg.mod resolves but has no ``name`` (the index)."""
        results = []
        top = site.module.split(".")[0]
        stdlib = is_stdlib(top)
        if stdlib and not stdlib_ok:
            return []
        if not stdlib and not index.for_module(site.module) and module_location_in_env(top, env) is None:
            return []  # workspace or unresolvable module: other checks speak
        if not stdlib and module_location_in_env(top, env) is None:
            return []  # shadowed by the workspace
        api = index_for(env)
        ref = api.resolve(site.module)
        if ref is None or ref.kind != "module" or ref.module != site.module:
            return []
        names = api.members(ref)
        receiver = _Receiver.of(ref, api, exact=True)
        for name in site.names:
            if any(c.change != "deprecated" for c in knowledge.module_attribute(f"{site.module}.{name.name}")):
                continue
            if name.name in names.names:
                continue
            nline = name.line + offset
            if not names.closed:
                log.debug("%s:%d: `from %s import %s` not reported: %s", session.path_label, nline, site.module,
                          name.name, names.reason)
                continue
            where = self._where(receiver, index, py_version)
            close = _close(name.name, names.names)
            hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            fix = None
            target = _fix_target(name.name, close)
            if target:
                fix = Fix(f"Rename to `{target}`", (TextEdit(Position(nline, name.col), Position(nline, name.end_col), target),),
                          safe=False)
            results.append(_finding(HallucinatedAttribute,
                                    f"{receiver.label} ({where}) has no `{name.name}`{hint}",
                                    nline, name.col, nline, name.end_col, env, fix=fix))
        return results

    def _where(self, receiver, index, py_version) -> str:
        if getattr(receiver, "project", None) is not None and receiver.full_name == receiver.project.name:
            home = receiver.project.home
            return f"defined in {home.label}" if home is not None else "defined in this module"
        if receiver.stdlib:
            return f"Python {py_version[0]}.{py_version[1]} standard library"
        dists = index.for_module(receiver.full_name)
        if dists:
            return f"{dists[0].name} {dists[0].version}, installed"
        return "installed"

    def _keywords(self, session, site: CallSite, offset: int, env, index, py_version, stdlib_ok) -> list[Finding]:
        """Keywords the callee does not accept. The callee comes from the imports or jedi's goto;
        what it accepts comes from the index, ``**kwargs`` followed through the implementation."""
        if site.has_star_kwargs:
            return []
        api = index_for(env)
        line = site.line + offset
        project = self._project_keywords(session, site)
        if project is not None:
            accepted, label = project
            if not accepted.closed:
                log.debug("%s:%d: keywords of `%s` not checked: %s", session.path_label, line, site.callee,
                          accepted.reason)
                return []
            return self._keyword_findings(site, offset, env, index, py_version, set(accepted.names), True, label, False)
        targets = self._callees(session, site, offset, api)
        if targets is None:
            return self._workspace_keywords(session, site, offset, env, index, py_version)
        if not targets:
            return []
        stdlib = any(is_stdlib(t.module.split(".")[0]) for t in targets)
        if stdlib and not stdlib_ok:
            return []
        accepted: set[str] = set()
        closed = True
        for target in targets:
            answer = api.keywords(target)
            accepted |= answer.names
            if not answer.closed:
                closed = False
                log.debug("%s:%d: keywords of `%s` not checked: %s", session.path_label, line, site.callee,
                          answer.reason)
        full_name = targets[0].full_name
        return self._keyword_findings(site, offset, env, index, py_version, accepted, closed, full_name, stdlib)

    def _keyword_findings(self, site: CallSite, offset: int, env, index, py_version, accepted: set[str],
                          checkable: bool, full_name: str, stdlib: bool) -> list[Finding]:
        results = []
        for keyword in site.keywords:
            if keyword.name in accepted:
                continue
            kline = keyword.line + offset
            reported = False
            for change in knowledge.keyword(keyword.name, full_name):
                installed = f"{py_version[0]}.{py_version[1]}" if change.distribution == "python" \
                    else _installed(index, change.distribution)
                if change.applies(installed) and change.change == "removed":
                    results.append(_finding(RemovedApi, f"keyword `{keyword.name}` of `{site.callee}`: "
                                                        f"{change.describe(installed)}",
                                            kline, keyword.col, kline, keyword.end_col, env))
                    reported = True
                    break
            if reported or not checkable:
                continue
            close = _close(keyword.name, accepted)
            hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            fix = None
            target = _fix_target(keyword.name, close)
            if target and target not in {k.name for k in site.keywords}:
                fix = Fix(f"Rename to `{target}`", (TextEdit(Position(kline, keyword.col),
                                                             Position(kline, keyword.end_col), target),), safe=False)
            origin = self._callee_origin(full_name, stdlib, index, py_version)
            origin = origin.replace(f"`{site.callee}`, ", "")  # `Window` (defined in this module)
            shown = ", ".join(sorted(accepted)) if len(accepted) <= 8 else ", ".join(sorted(accepted)[:8]) + ", ..."
            results.append(_finding(UnknownKeywordArgument,
                                    f"`{site.callee}` ({origin}) takes no keyword argument `{keyword.name}`{hint} "
                                    f"(accepted: {shown or 'none'})",
                                    kline, keyword.col, kline, keyword.end_col, env, fix=fix))
        return results

    def _project_keywords(self, session, site: CallSite):
        """(accepted keywords, label) when the call builds a class of this module (or copies one
        with a function that takes its fields, ``dataclasses.replace``); None otherwise."""
        inference = getattr(session, "inference", None)
        call = inference.call_at(site.func_end) if inference is not None else None
        if call is None:
            return None
        values = inference.values(call.func)
        if not values or len(values) != 1:
            return None
        value = values[0]
        if value.project is None and value.ref is not None and value.ref.full_name in _FIELD_COPIERS and call.args:
            copied = inference.values(call.args[0])
            if not copied or len(copied) != 1 or copied[0].project is None or not copied[0].instance:
                return None
            value = Value(None, project=copied[0].project)
        if value.project is None or value.instance:
            return None
        home = value.project.home
        label = f"{home.label}:{value.project.name}" if home is not None else value.project.name
        return inference.constructor_keywords(value.project), label

    def _callees(self, session, site: CallSite, offset: int, api) -> list[Ref] | None:
        """The library functions or classes a call may call ([] when unknown, None when the
        callee is the workspace's own)."""
        if site.qualified:
            ref = api.resolve(site.qualified)
            if ref is not None:
                return [ref] if ref.kind in ("function", "class") else []
            if module_location_in_env(site.qualified.split(".")[0], api.env) is not None \
                    or is_stdlib(site.qualified.split(".")[0]):
                return []
        static = self._static_callees(session, site)
        if static is not None:
            return static
        self.stats["jedi_calls"] += 1
        names = session.jedi.goto_names(site.func_end[0] + offset, site.func_end[1], follow_imports=True)
        if not names:
            return []
        refs = []
        for name in names:
            kind = session.jedi.location_kind(name.module_path)
            if kind == "workspace":
                return None if len(names) == 1 else []
            if name.type not in ("function", "class"):
                return []
            ref = ref_from_jedi(api, name.type, name.full_name, name.module_path)
            if ref is None or ref.kind not in ("function", "class"):
                return []
            if site.callee.startswith("super()") and ref.full_name.startswith("builtins."):
                # jedi's super() follows one line of bases and skips those it cannot import: landing
                # on a builtin (`object`, `Exception`) it may have missed the class the MRO really
                # reaches (a mixin first, a library base not installed where caveat resolves)
                log.debug("%s: `%s` not checked: jedi's super() ended at %s", session.path_label, site.callee,
                          ref.full_name)
                return []
            refs.append(ref)
        return refs

    def _static_callees(self, session, site: CallSite) -> list[Ref] | None:
        """The library functions, methods or classes the static inference says a call calls
        (``self.client.set(...)`` with ``self.client = client: redis.Redis``); None when it
        cannot tell or the callee is the project's own (then jedi is asked)."""
        inference = getattr(session, "inference", None)
        call = inference.call_at(site.func_end) if inference is not None else None
        if call is None:
            return None
        values = inference.values(call.func)
        if not values:
            return None
        refs = []
        for value in values:
            if value.unknown:
                log.debug("%s: `%s` not checked: %s", session.path_label, site.callee, value.unknown)
                return []
            ref = value.ref
            if value.project is not None or ref is None or ref.kind not in ("function", "class"):
                return None
            refs.append(ref)
        return refs

    def _workspace_keywords(self, session, site: CallSite, offset: int, env, index, py_version) -> list[Finding]:
        """The project's own functions: jedi's signature, unless ``**kwargs`` or decorators
        make it uncertain (jedi replaces forwarded ``**kwargs`` with a guess)."""
        line = site.line + offset
        signatures = session.jedi.signatures(line, site.col)
        if len(signatures) != 1:
            return []
        signature = signatures[0]
        if signature.type == "class" or not session.jedi.signature_is_complete(signature):
            return []
        value = getattr(getattr(signature, "_signature", None), "value", None)
        tree = getattr(value, "tree_node", None)
        from caveat.providers.api.jedi_checks import _param_names

        if tree is None or getattr(tree, "type", "") != "funcdef" or _param_names(tree) is None:
            return []
        accepted = {p.name for p in signature.params if p.kind.name in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")}
        return self._keyword_findings(site, offset, env, index, py_version, accepted, True,
                                      signature.full_name or signature.name or "", False)

    def _callee_origin(self, full_name: str, stdlib: bool, index, py_version) -> str:
        if stdlib:
            return f"Python {py_version[0]}.{py_version[1]}"
        dists = index.for_module(full_name) if full_name else []
        if dists:
            return f"{dists[0].name} {dists[0].version}, installed"
        if full_name and ":" in full_name:  # a class of another module of the project
            return f"defined in {full_name.split(':')[0]}"
        if full_name and "." not in full_name:
            return f"`{full_name}`, defined in this module"
        return "workspace"


@dataclass(frozen=True)
class _Receiver:
    """A receiver as messages name it."""

    kind: str  # "module", "class", "instance"
    full_name: str
    label: str
    module_path: str | None
    stdlib: bool
    exact: bool  # constructed right there (or a module / class): no subclass can stand in
    inferred: bool = False  # by jedi (not by the imports)
    declared: str = ""  # who declared the type ("project", a library's top module): only subclasses it can make count
    project: object = None  # a class of the checked module (inference.ProjectClass)
    instance: bool = False  # with ``project``: an instance of it

    @staticmethod
    def of_value(value: Value, inference) -> tuple["_Receiver", Ref | None] | None:
        """A statically inferred value as a receiver (None for functions and methods)."""
        if value.project is not None:
            base = inference.library_base(value.project)
            label = f"`{value.project.name}` object" if value.instance else f"class `{value.project.name}`"
            full_name = base.full_name if base is not None else value.project.name
            stdlib = base is None or is_stdlib(base.module.split(".")[0])
            return _Receiver("instance" if value.instance else "class", full_name, label, None, stdlib, value.exact,
                             declared=value.origin, project=value.project, instance=value.instance), base
        ref = value.ref
        if ref is None or ref.kind not in ("module", "class", "instance"):
            return None
        receiver = _Receiver.of(ref, None, exact=value.exact or ref.kind in ("module", "class"))
        return replace(receiver, declared=value.origin), ref

    @staticmethod
    def of(ref: Ref, api, exact: bool) -> "_Receiver":
        stdlib = is_stdlib(ref.module.split(".")[0])
        if ref.kind == "module":
            label = f"module `{ref.module}`"
        elif ref.kind == "class":
            label = f"class `{ref.name}`"
        else:
            label = f"`{ref.name}` object"
        return _Receiver(ref.kind, ref.full_name, label, None, stdlib, exact)


class _LazySession:
    """jedi for one document version, made on the first question that needs it: sites whose
    receivers the imports name are answered by the index alone."""

    def __init__(self, factory: Callable, path: str | None, workspace_attributes: set[str] = frozenset()) -> None:
        self._factory = factory
        self.workspace_attributes = workspace_attributes
        self._jedi = None
        self.path_label = path or "<buffer>"

    @property
    def jedi(self):
        if self._jedi is None:
            self._jedi = self._factory()
        return self._jedi

    def constructs(self, paren: tuple[int, int], offset: int) -> bool:
        """Whether the call whose ``(`` ends at ``paren`` constructs a class (an exact type)."""
        signatures = self.jedi.signatures(paren[0] + offset, paren[1])
        return bool(signatures) and all(s.type == "class" for s in signatures)


class _CancelledInside(Exception):
    pass


def _cancelled():
    from caveat.engine.analyzer import Cancelled

    return Cancelled()


def module_location_in_env(top: str, env: Environment) -> str | None:
    from caveat.environment import module_location

    return module_location(top, env.paths)


def _missing_submodule(module: str, location: str | None, api=None) -> str | None:
    """The first missing part of ``pkg.sub.mod`` under a plain package folder, if any. A part
    the package's ``__init__`` mentions is missing only when the static index enumerates the
    package and it binds no such name (``from ._auth import *`` mentions "auth" but makes no
    ``httpx.auth``); ``sys.modules`` tricks keep it open."""
    from caveat.environment import submodule_exists

    parts = module.split(".")
    if len(parts) < 2 or not location or not os.path.isdir(location):
        return None
    folder = location
    for position, part in enumerate(parts[1:], start=1):
        init = os.path.join(folder, "__init__.py")
        if not os.path.isfile(init):
            return None  # namespace package or stub folder: cannot tell
        exists = submodule_exists(folder, [part])
        if exists is None:
            return None
        if not exists:
            try:
                text = open(init, encoding="utf-8", errors="replace").read()
            except OSError:
                return None
            if part in text and not _unbound(api, ".".join(parts[:position]), part, text):
                return None  # defined or aliased in the package (six.moves, os.path-style tricks)
            return part
        folder = os.path.join(folder, part)
        if not os.path.isdir(folder):
            return None
    return None


def _unbound(api, package: str, name: str, init_text: str) -> bool:
    """The package (read by the index) certainly binds no ``name``."""
    if api is None or "sys.modules" in init_text:
        return False
    names = api.module_names(package)
    return names.closed and name not in names.names


_FIELD_COPIERS = {"dataclasses.replace", "copy.replace"}  # keywords: the fields of the first argument
_STRUCTURAL_PREFIXES = ("typing.", "typing_extensions.", "collections.abc.", "_typeshed.", "_collections_abc.",
                        "abc.", "numbers.", "os.PathLike", "contextlib.AbstractContextManager")


def _decorated_classes(blocks) -> set[str]:
    """Top-level classes with a decorator other than @dataclass (from their header blocks)."""
    names = set()
    for block in blocks:
        if block.kind == "class-header" and block.parse_text.lstrip().startswith("@"):
            decorators = [line for line in block.parse_text.splitlines() if line.lstrip().startswith("@")]
            if any("dataclass" not in line for line in decorators):
                names.add(block.class_name)
    return names


def _structural(receiver) -> bool:
    if receiver.full_name in ("builtins.object", "builtins.type"):
        return True
    return receiver.kind != "module" and receiver.full_name.startswith(_STRUCTURAL_PREFIXES)


def _mentions(module_path: str | None, name: str) -> bool:
    if not module_path:
        return False
    from caveat.providers.api.jedi_checks import _read

    source = _read(module_path)
    if source is None:
        return False
    import re

    return re.search(rf"(?<![\w.]){re.escape(name)}\b|\.{re.escape(name)}\b", source) is not None


def _still_there(env: Environment, change, module: str, name: str | None, py_version) -> bool:
    """The installed version has the module (``name`` None) or the module's ``name`` after all:
    a knowledge-base entry does not apply (a name that came back, numpy 2's ``np.bool``)."""
    if change.change != "removed":
        return False
    if is_stdlib(module.split(".")[0]) and tuple(py_version) != tuple(sys.version_info[:2]):
        return False  # caveat's own standard library is another version's
    api = index_for(env)
    if name is None:
        return api.module_exists(module)
    ref = api.resolve(module)
    if ref is None or ref.kind != "module":
        return False
    return name in api.module_names(ref.module).names


def _family(module: str) -> str:
    """A module's distribution family for subclass questions: its top-level package, one for the stdlib."""
    top = module.split(".")[0]
    return "stdlib" if top and top != "project" and is_stdlib(top) else top


def _installed(index, distribution: str) -> str | None:
    dist = index.get(distribution)
    return dist.version if dist else None


def _close(name: str, candidates) -> list[str]:
    """Close names, best first."""
    public = [c for c in candidates if not c.startswith("__")]
    lowered = {c.lower(): c for c in public}
    found = []
    if name.lower() in lowered and lowered[name.lower()] != name:
        found.append(lowered[name.lower()])
    for match in difflib.get_close_matches(name, public, n=3, cutoff=0.75):
        if match not in found:
            found.append(match)
    return found[:3]


def _fix_target(name: str, close: list[str]) -> str | None:
    """The one suggestion clearly better than the others, if any."""
    if not close:
        return None
    if close[0].lower() == name.lower():
        return close[0]
    ratios = [difflib.SequenceMatcher(None, name, c).ratio() for c in close]
    if ratios[0] >= 0.85 and (len(ratios) == 1 or ratios[1] <= ratios[0] - 0.05):
        return close[0]
    return None


def _unique(findings: list[Finding]) -> list[Finding]:
    seen = set()
    result = []
    for finding in findings:
        key = (finding.code, finding.line, finding.col, finding.message)
        if key not in seen:
            seen.add(key)
            result.append(finding)
    result.sort(key=Finding.sort_key)
    return result
