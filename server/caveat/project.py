"""Workspace facts: settings from ``[tool.caveat]``, the CLI and the editor.

All sources are validated into one typed ``Settings`` object. Invalid input
raises ``ConfigError`` with a message that names the source and the key; the
CLI turns it into exit code 2, the server into a window/showMessage and
defaults.
"""
from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from caveat.engine.findings import ALL_CATEGORIES, Severity
from caveat.rules.base import Option

import tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    "build", "dist", "site-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".caveat_cache",
)


STRICT = "strict"  # the selector (and profile) of every rule, the opt-in ones included
PROFILES = ("default", STRICT)
# new-code: "auto" (the default): in a git repository the lines changed since HEAD (and files
# git does not track yet) get the strict profile, and outside git nothing is known to be new,
# so the default set applies; "strict": the same, but outside git every line is new;
# "default": the default set everywhere.
AUTO = "auto"
NEW_CODE_MODES = (AUTO, STRICT, "default")


class ConfigError(ValueError):
    """A setting that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the default selection
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    python: str | None = None
    max_file_size_kb: int = 2048
    report_unused_suppressions: bool = False
    # "default": the rules that meet the precision policy; "strict": also the opt-in ones
    profile: str = "default"
    # `# noqa: S608`, `# pylint: disable=broad-except`... written for other tools (PEER_CODES)
    respect_peer_suppressions: bool = True
    # which lines get the strict profile (NEW_CODE_MODES): "auto" (lines changed since git HEAD,
    # or --diff-from), "strict" (the same, and every line outside git), "default" (none)
    new_code: str = AUTO
    # Validated options, sorted: ("missing-timeout.timeout", 5) for a rule's, ("api-time-budget", 5)
    # for the engine's (see ``ENGINE_OPTIONS``).
    options: tuple[tuple[str, Any], ...] = ()
    root: str = ""  # the project root the relative globs and python path refer to
    baseline: str | None = None  # a baseline file (caveat.baseline); relative to root
    # [tool.caveat.report] ai-trailers: regular expressions for trailers that mark a commit
    # AI-assisted (``caveat report``), on top of the built-in ones.
    ai_trailers: tuple[str, ...] = ()

    @property
    def new_code_strict(self) -> bool:
        """Do the lines of new code get the strict profile (``new-code`` is not "default")?"""
        return self.new_code != "default"

    # --- selection ------------------------------------------------------
    def is_enabled(self, code: str, category: str, default_off: frozenset[str] = frozenset(),
                   opt_in: frozenset[str] = frozenset(), strict: bool = False) -> bool:
        """Is ``code`` selected? ``default_off``: codes only an exact code turns on (bandit's audit
        tests); ``opt_in``: codes of the strict profile, turned on by their code, their category,
        the ``strict`` selector or ``profile = "strict"``; ``strict``: judge as under the strict
        profile (the lines of new code)."""
        base = self.select if self.select is not None else ("CAV", "B")
        selected = _best(base, code, category, default_off)
        extended = _best(self.extend_select, code, category, default_off)
        if extended is not None and (selected is None or extended > selected):
            selected = extended
        if selected is None:
            return False
        ignored = _best(self.ignore, code, category, default_off)
        if self.select is None and code in default_off and (extended is None or extended < len(code)):
            return False
        if (self.select is None and code in opt_in and not strict and self.profile != STRICT
                and STRICT not in self.extend_select and (extended is None or extended < len(code) - 0.5)):
            return False
        return ignored is None or selected > ignored

    def severity_for(self, code: str, default: Severity) -> Severity:
        best, best_len = default, -1
        for prefix, level in self.severity:
            if code.startswith(prefix) and len(prefix) > best_len:
                best, best_len = level, len(prefix)
        return best

    def option(self, name: str, default: Any = None) -> Any:
        """An option's configured value: ``"api-time-budget"``, ``"missing-timeout.timeout"``."""
        return dict(self.options).get(name, default)

    def is_excluded(self, path: str | Path, walked_from: str | Path | None = None) -> bool:
        """``exclude`` patterns match the path relative to the project root; the default
        exclusions (``.venv``, ``site-packages``...) match only the folders below
        ``walked_from``, the folder the user named (as in ruff: a named folder inside
        ``.venv`` is checked, a ``.venv`` met while walking is skipped)."""
        path = Path(path)
        resolved = path.resolve()
        try:
            relative = resolved.relative_to(Path(self.root).resolve()) if self.root else path
        except ValueError:
            relative = path
        text = relative.as_posix()
        parts = set(relative.parts[:-1]) | {relative.name}
        below = relative
        if walked_from is not None:
            try:
                below = resolved.relative_to(Path(walked_from).resolve())
            except ValueError:
                pass
        if any(part in DEFAULT_EXCLUDE for part in below.parts[:-1]):
            return True
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(text, pattern + "/*") or pattern in parts:
                return True
        return False

    def cache_key(self) -> str:
        return repr((self.select, self.extend_select, self.ignore, self.severity, self.options, self.max_file_size_kb,
                     self.profile, self.respect_peer_suppressions, self.new_code))


def _best(entries: Iterable[str], code: str, category: str, default_off: frozenset[str] = frozenset()) -> float | None:
    """Specificity of the most specific entry matching ``code``, or None.

    ``ALL`` < ``strict`` (every code but bandit's audit tests) < any prefix (by length) <
    the code's category < the exact code: a category names a defect, so it beats families
    like ``CAV`` or ``B6`` but not an explicitly named code."""
    best = None
    for entry in entries:
        if entry == "ALL":
            score = 0.0
        elif entry == STRICT:
            if code in default_off:
                continue
            score = 0.5
        elif entry == category:
            score = len(code) - 0.5
        elif code.startswith(entry):
            score = float(len(entry))
        else:
            continue
        best = score if best is None or score > best else best
    return best


# --- parsing ---------------------------------------------------------------
_KEYS = {
    "select", "extend-select", "ignore", "severity", "exclude", "python",
    "max-file-size-kb", "report-unused-suppressions", "options", "report", "profile", "respect-peer-suppressions",
    "new-code", "baseline",
}
_REPORT_KEYS = {"ai-trailers"}


def settings_from_mapping(data: Mapping[str, Any], source: str, base: Settings | None = None,
                          known_codes: Iterable[str] | None = None) -> Settings:
    """Validate ``data`` (pyproject table or editor settings) over ``base``."""
    settings = base or Settings()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a table of settings, got {type(data).__name__}")
    changes: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key).replace("_", "-")
        if key not in _KEYS:
            if key in {"path", "interpreter", "trace", "enable", "server"}:
                continue  # editor-only settings, used by the client
            raise ConfigError(f"{source}: unknown setting `{raw_key}` (known: {', '.join(sorted(_KEYS))})")
        if value is None:
            continue
        if key in {"select", "extend-select", "ignore", "exclude"}:
            items = _string_list(value, source, key)
            if key != "exclude":
                items = tuple(_check_code(item, source, key, known_codes) for item in items)
            changes[key.replace("-", "_")] = items
        elif key == "severity":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: `severity` must be a table of CODE = \"error|warning|info|hint\"")
            pairs = []
            for code, level in value.items():
                _check_code(str(code), source, "severity", known_codes)
                try:
                    pairs.append((str(code).upper(), Severity.parse(str(level))))
                except ValueError as error:
                    raise ConfigError(f"{source}: severity for {code}: {error}") from None
            changes["severity"] = tuple(pairs)
        elif key in ("python", "baseline"):
            if not isinstance(value, str):
                raise ConfigError(f"{source}: `{key}` must be a path string")
            changes[key] = value or None
        elif key == "max-file-size-kb":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{source}: `max-file-size-kb` must be a positive integer")
            changes["max_file_size_kb"] = value
        elif key in ("report-unused-suppressions", "respect-peer-suppressions"):
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: `{key}` must be true or false")
            changes[key.replace("-", "_")] = value
        elif key in ("profile", "new-code"):
            allowed = PROFILES if key == "profile" else NEW_CODE_MODES
            if value not in allowed:
                raise ConfigError(f"{source}: `{key}` must be one of {', '.join(map(repr, allowed))}, got {value!r}")
            changes[key.replace("-", "_")] = value
        elif key == "options":
            changes["options"] = tuple(sorted(dict(settings.options, **_parse_options(value, source)).items()))
        elif key == "report":
            changes.update(_parse_report(value, source))
    return replace(settings, **changes)


def _parse_report(value: Any, source: str) -> dict[str, Any]:
    """``[tool.caveat.report]``: settings of ``caveat report``."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: `report` must be a table (e.g. [tool.caveat.report] ai-trailers = [...])")
    changes: dict[str, Any] = {}
    for raw_key, item in value.items():
        key = str(raw_key).replace("_", "-")
        if key not in _REPORT_KEYS:
            raise ConfigError(f"{source}: unknown setting `report.{raw_key}` (known: {', '.join(sorted(_REPORT_KEYS))})")
        patterns = _string_list(item, source, f"report.{key}") if not isinstance(item, str) else (item,)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"{source}: `report.{key}`: `{pattern}` is not a regular expression ({error})") from None
        changes["ai_trailers"] = patterns
    return changes


# --- options -----------------------------------------------------------------
# Options of the engine rather than of one rule: directly under [tool.caveat.options].
ENGINE_OPTIONS = (
    Option("api-time-budget", float, 30.0, "CPU seconds the API checks (jedi) may spend on one analysis of a "
           "file; what is left is checked on the next one.", at_least=0),
)


def _parse_options(value: Any, source: str) -> dict[str, Any]:
    """``[tool.caveat.options]`` -> {"api-time-budget": 5, "missing-timeout.timeout": 5}.

    A rule's options are a table named after the rule, as ruff's per-plugin tables:
    ``[tool.caveat.options.missing-timeout]`` with ``timeout = 5``, which TOML also lets
    one write ``missing-timeout.timeout = 5``; editors may send either shape (JSON keys
    with a dot are split). ``snake_case`` names are accepted. ``None`` means unset."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: `options` must be a table of options "
                          f"(e.g. [tool.caveat.options.missing-timeout] timeout = 5)")
    engine, by_rule, by_code = _option_specs()
    parsed: dict[str, Any] = {}
    for raw_key, raw in value.items():
        key = str(raw_key).replace("_", "-")
        table, dot, member = key.partition(".")
        if dot:  # an editor's flat "missing-timeout.timeout"
            raw, key = {member: raw}, table
        if raw is None:
            continue
        if key in engine:
            parsed[key] = _parse_option(engine[key], raw, f"options.{key}", source)
            continue
        if key not in by_rule:
            raise ConfigError(f"{source}: {_unknown_option(key, engine, by_rule, by_code)}")
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: `options.{key}` must be a table of {key}'s options "
                              f"({', '.join(by_rule[key])})")
        for raw_name, item in raw.items():
            name = str(raw_name).replace("_", "-")
            if item is None:
                continue
            spec = by_rule[key].get(name)
            if spec is None:
                raise ConfigError(f"{source}: unknown option `options.{key}.{name}` "
                                  f"(known: {', '.join(by_rule[key])})")
            parsed[f"{key}.{name}"] = _parse_option(spec, item, f"options.{key}.{name}", source)
    return parsed


def _parse_option(spec: Option, value: Any, key: str, source: str) -> Any:
    try:
        return spec.parse(value)
    except ValueError as error:
        raise ConfigError(f"{source}: option `{key}` {error}") from None


def _unknown_option(key: str, engine: dict, by_rule: dict, by_code: dict) -> str:
    owners = [rule for rule, options in by_rule.items() if key in options]
    if owners:
        return (f"unknown option `options.{key}`: it is an option of {', '.join(owners)}; set it under "
                f"[tool.caveat.options.{owners[0]}] (or `{owners[0]}.{key} = ...` in [tool.caveat.options])")
    name = by_code.get(key.upper(), key)
    if name in by_code.values():
        if name not in by_rule:
            return f"unknown option table `options.{key}`: rule `{name}` takes no options"
        return f"unknown option table `options.{key}`: a rule's options are named by the rule, [tool.caveat.options.{name}]"
    known = [*engine, *(f"{rule}.{option}" for rule, options in by_rule.items() for option in options)]
    return f"unknown option `options.{key}` (known: {', '.join(sorted(known))})"


@lru_cache(maxsize=1)
def _option_specs() -> tuple[dict[str, Option], dict[str, dict[str, Option]], dict[str, str]]:
    """(engine options, rule name -> its options for the rules that take any, code -> rule name)."""
    from caveat.rules import caveat_rules

    return ({option.name: option for option in ENGINE_OPTIONS},
            {rule.name: {option.name: option for option in rule.options} for rule in caveat_rules() if rule.options},
            {rule.code: rule.name for rule in caveat_rules()})


def _string_list(value: Any, source: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: `{key}` must be a list of strings")
    return tuple(value)


def _check_code(item: str, source: str, key: str, known_codes: Iterable[str] | None) -> str:
    if item in ALL_CATEGORIES or item in ("ALL", STRICT):
        return item
    code = item.upper()
    if known_codes is None:
        from caveat.rules import all_rules

        known_codes = all_rules().keys()
    if not any(known.startswith(code) for known in known_codes):
        raise ConfigError(f"{source}: unknown rule code or category `{item}` in `{key}`")
    return code


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_pyproject(path: Path, base: Settings | None = None) -> Settings:
    """Settings from ``[tool.caveat]`` of ``path``; ConfigError when it is broken."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    table = data.get("tool", {}).get("caveat", {})
    settings = settings_from_mapping(table, f"{path} [tool.caveat]", base)
    return replace(settings, root=str(path.parent))


def settings_for(start: Path) -> tuple[Settings, Path | None]:
    pyproject = find_pyproject(start)
    if pyproject is None:
        root = start if start.is_dir() else start.parent
        return Settings(root=str(root.resolve())), None
    return load_pyproject(pyproject), pyproject


def environment_python(settings: Settings) -> str | None:
    """The configured environment, relative paths taken from the project root."""
    if not settings.python:
        return None
    path = Path(os.path.expanduser(settings.python))
    if not path.is_absolute() and settings.root:
        path = Path(settings.root) / path
    return str(path)
