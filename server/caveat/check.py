"""``caveat check``: discover files, analyse each, collect results for a report.

Files are analysed in a pool of processes (one per core) when there are more
than a handful, and results are cached on disk by file content in
``.caveat_cache/`` under the project root. The cache is one file per
*namespace*: caveat's version and its own source files, the settings' cache
key and the versions of the packages installed in caveat's environment (bandit's
plugins live there); any change starts a new namespace. ``--no-cache`` or
``CAVEAT_NO_DISK_CACHE=1`` turn it off.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

from caveat import __version__
from caveat.engine.analyzer import Engine
from caveat.engine.blocks import split_lines
from caveat.engine.findings import Finding
from caveat.engine.gc_tuning import tune_for_analysis
from caveat.newcode import DiskLines
from caveat.project import STRICT, Settings
from caveat.report import FileResult

CACHE_DIR = ".caveat_cache"
POOL_MIN_FILES = 8  # below this, starting processes costs more than it saves
_CACHE_FORMAT = 1
LOCAL_ONLY = "-local"  # the suffix of the namespace of results without the API stage (--no-api)


def read_source(path: Path) -> tuple[str, str | None]:
    """The file's text and, when it is not valid UTF-8, a note saying so."""
    return decode_source(path.read_bytes(), path)


def decode_source(data: bytes, path: Path) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        note = (f"{path}: not valid UTF-8 (byte {error.start}); analysed with the bad bytes "
                f"replaced by U+FFFD")
        return data.decode("utf-8", "replace"), note


def discover(paths: list[Path], settings: Settings) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)  # named explicitly: checked even when excluded
            continue
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if d != CACHE_DIR and not settings.is_excluded(here / d / "x.py", path))
            for name in sorted(files):
                candidate = here / name
                if name.endswith((".py", ".pyi")) and not settings.is_excluded(candidate, path):
                    found.append(candidate)
    return found


class CheckRun:
    def __init__(self, settings: Settings, *, use_cache: bool = True, progress: bool = False,
                 jobs: int | None = None, api: bool = True, new_code_base: str = "HEAD") -> None:
        self.settings = settings
        # the lines changed since this revision get the strict profile (unless new-code = "default")
        self.new_code = DiskLines(new_code_base, outside_git_all_new=settings.new_code == STRICT) \
            if settings.new_code_strict else None
        self.api = api  # run the API stage (jedi) after the local checks
        self.use_cache = use_cache and os.environ.get("CAVEAT_NO_DISK_CACHE", "") not in ("1", "true", "yes")
        self.progress = progress
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.notes: list[str] = []
        self._engine: Engine | None = None
        self._api_tokens: dict[Path, bytes] = {}  # by folder: the token depends on the file's folder only
        self.stats = {"files": 0, "cached": 0, "analysed": 0, "processes": 0}

    def _api_token(self, path: Path) -> bytes:
        """API results change with the environment and the declaration files, not only
        with the file's content: they are part of its cache key."""
        if not self.api:
            return b""
        token = self._api_tokens.get(path.parent)
        if token is None:
            from caveat.providers.api import provider_for

            token = self._api_tokens[path.parent] = provider_for(self.settings).cache_token(str(path)).encode()
        return token

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine()
        return self._engine

    def check(self, paths: list[Path], only: Callable[[Path], bool] | None = None) -> list[FileResult]:
        """Results for the files under ``paths`` (those ``only`` accepts, when given)."""
        files = discover(paths, self.settings)
        if only is not None:
            files = [path for path in files if only(path)]
        cache = DiskCache.open(self.settings, paths, self.api) if self.use_cache else None
        results: list[FileResult | None] = [None] * len(files)
        pending: list[tuple[int, Path, str, frozenset[int] | None]] = []
        keys: dict[int, str] = {}
        for index, path in enumerate(files):
            display = _display_path(path)
            try:
                data = path.read_bytes()
            except OSError as error:
                self.notes.append(f"{display}: cannot read: {error.strerror}")
                results[index] = FileResult(display, [], [], [])
                continue
            text, note = decode_source(data, path)
            if note:
                self.notes.append(note)
            new_lines = self.new_code.lines(path) if self.new_code else frozenset()
            key = cache.key(str(path.resolve()), data + self._api_token(path) + _lines_token(new_lines)) \
                if cache else None
            hit = cache.get(key) if cache else None
            if hit is not None:
                findings, notes = hit
                self._collect(index, display, text, findings, notes, results)
                self.stats["cached"] += 1
                continue
            if key:
                keys[index] = key
            pending.append((index, path, text, new_lines))
        self.stats["files"] = len(files)
        self.stats["analysed"] = len(pending)
        show = self.progress and len(pending) >= 20
        by_index = {item[0]: item for item in pending}
        for count, (index, findings, notes) in enumerate(self._analyse_all(pending), start=1):
            _, path, text, _ = by_index[index]
            self._collect(index, _display_path(path), text, findings, notes, results)
            if cache and index in keys and not self._stopped_early(notes):
                cache.put(keys[index], findings, notes)
            if show:
                progress_bar(count, len(pending), "files")
        if show:
            progress_bar(0, 0)
        if cache:
            cache.save()
        return [r for r in results if r is not None]

    def _stopped_early(self, notes: list[str]) -> bool:
        """The API stage ran out of its time budget: the result is partial, and is not cached
        (the next run analyses the file again)."""
        if not self.api:
            return False
        from caveat.providers.api import stopped_by_budget

        return stopped_by_budget(notes)

    def _collect(self, index: int, display: str, text: str, findings: list[Finding], notes: list[str],
                 results: list) -> None:
        self.notes.extend(f"{display}: {n}" for n in notes)
        results[index] = FileResult(display, findings, [line.rstrip("\r\n") for line in split_lines(text)], notes)

    def _analyse_all(self, pending: list[tuple[int, Path, str, frozenset[int] | None]]):
        """(index, findings, notes) for each pending file, in order."""
        if not pending:
            return  # every file was cached: no engine (rules, bandit) to load
        if self.jobs > 1 and len(pending) >= POOL_MIN_FILES:
            workers = min(self.jobs, len(pending))
            self.stats["processes"] = workers
            # Biggest files first, so no worker is left with a large one at the end.
            order = sorted(pending, key=lambda item: -len(item[2]))
            with analysis_pool(workers, self.settings, self.api) as pool:
                futures = {item[0]: pool.submit(analyse_in_worker, str(item[1]), item[2], item[3]) for item in order}
                for index, _, _, _ in pending:
                    findings, notes = futures[index].result()
                    yield index, findings, notes
            return
        _ = self.engine  # the rules load first: what is loaded then is frozen out of collection
        tune_for_analysis()
        for index, path, text, new_lines in pending:
            findings, notes = full_analysis(self.engine, text, str(path), self.settings, self.api, new_lines)
            yield index, findings, notes

    def check_file(self, path: Path) -> FileResult:
        display = _display_path(path)
        try:
            text, note = read_source(path)
        except OSError as error:
            self.notes.append(f"{display}: cannot read: {error.strerror}")
            return FileResult(display, [], [], [])
        if note:
            self.notes.append(note)
        new_lines = self.new_code.lines(path) if self.new_code else frozenset()
        findings, notes = full_analysis(self.engine, text, str(path), self.settings, self.api, new_lines)
        self.notes.extend(f"{display}: {n}" for n in notes)
        return FileResult(display, findings, text.splitlines(), notes)


def progress_bar(count: int, total: int, what: str = "") -> None:
    """Draw ``[####....] count/total what`` on stderr; ``total == 0`` clears it."""
    if total <= 0:
        sys.stderr.write("\r" + " " * 72 + "\r")
    else:
        done = int(30 * count / total)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (30 - done)}] {count}/{total} {what}")
    sys.stderr.flush()


def full_analysis(engine: Engine, text: str, path: str, settings: Settings, api: bool = True,
                  new_lines: frozenset[int] | None = frozenset()) -> tuple[list[Finding], list[str]]:
    """Local checks, then (unless disabled) the API stage, merged as the server merges them.
    ``new_lines``: the lines of new code (None: every line)."""
    local = engine.analyze(text, path, settings, new_lines=new_lines)
    if not api:
        return local.findings, local.notes
    stage = engine.analyze_api(text, path, settings)
    notes = local.notes + stage.notes
    findings = engine.merge(text, settings, local, stage, new_lines=new_lines) if stage.raw else local.findings
    return findings, notes


# --- the process pool ----------------------------------------------------------
_WORKER: dict = {}


def _pool_context():
    import multiprocessing

    # fork: workers start with caveat (rules, bandit) already imported.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def analysis_pool(workers: int, settings: Settings, api: bool = True) -> ProcessPoolExecutor:
    """Processes that run ``analyse_in_worker(path, text)`` with these settings."""
    return ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(settings, api))


def _init_worker(settings: Settings, api: bool = True) -> None:
    _WORKER["engine"] = Engine()
    tune_for_analysis()
    _WORKER["settings"] = settings
    _WORKER["api"] = api


def analyse_in_worker(path: str, text: str, new_lines: frozenset[int] | None = frozenset()
                      ) -> tuple[list[Finding], list[str]]:
    return full_analysis(_WORKER["engine"], text, path, _WORKER["settings"], _WORKER["api"], new_lines)


def _lines_token(new_lines: frozenset[int] | None) -> bytes:
    """The new lines as part of a file's cache key (its findings depend on them)."""
    return b"|new:all" if new_lines is None else b"|new:" + ",".join(map(str, sorted(new_lines))).encode()


# --- the disk cache ------------------------------------------------------------
class DiskCache:
    """Results by file path and content, in one pickle per namespace."""

    def __init__(self, folder: Path, namespace: str, prefix: str = "results") -> None:
        self.folder = folder
        self.namespace = namespace
        self.prefix = prefix  # one cache per prefix (``caveat report`` keeps its own)
        self.file = folder / f"{prefix}-{namespace}.pickle"
        self.entries: dict[str, tuple[list[Finding], list[str]]] = {}
        self.dirty = False
        try:
            with open(self.file, "rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            self.entries = {}

    @classmethod
    def open(cls, settings: Settings, paths: list[Path], api: bool = True) -> "DiskCache":
        root = Path(settings.root) if settings.root else _common_folder(paths)
        return cls(root / CACHE_DIR, namespace(settings) + ("" if api else LOCAL_ONLY))

    @staticmethod
    def key(path: str, data: bytes) -> str:
        digest = hashlib.blake2b(data, digest_size=16)
        digest.update(path.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str | None):
        return self.entries.get(key) if key else None

    def put(self, key: str, findings: list[Finding], notes: list[str]) -> None:
        self.entries[key] = (list(findings), list(notes))
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by caveat: the result cache, safe to delete.\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".pickle")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
            local = self.namespace.endswith(LOCAL_ONLY)
            for old in self.folder.glob(f"{self.prefix}-*.pickle"):  # other namespaces of this kind are stale
                if old != self.file and old.stem.endswith(LOCAL_ONLY) == local:
                    old.unlink(missing_ok=True)  # (a --no-api run keeps the API results, and back)
        except OSError:
            pass  # a read-only tree: run without the cache


def namespace(settings: Settings) -> str:
    """What the cached results depend on besides the file: caveat itself, the settings
    and the installed packages (bandit, its plugins, libcst...)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{_CACHE_FORMAT}|{__version__}|{sys.version}|{settings.cache_key()}|".encode())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):  # a development checkout changes without a version bump
        try:
            stat = source.stat()
        except OSError:
            continue
        digest.update(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}|".encode())
    digest.update(_installed_versions().encode())
    return digest.hexdigest()


def _installed_versions() -> str:
    """The distributions importable next to caveat, by the names of their metadata folders
    (``name-version.dist-info``: what ``importlib.metadata`` finds, without reading each
    one's METADATA, which took half a second per run)."""
    names: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as entries:
                names.update(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return ",".join(sorted(names))


def _common_folder(paths: list[Path]) -> Path:
    resolved = [p.resolve() for p in paths] or [Path.cwd()]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(f) for f in folders]))


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
