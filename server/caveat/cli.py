"""The command line: ``caveat serve | check | rule | rules``.

Exit codes of ``check``: 0 no findings, 1 findings, 2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Sequence

from caveat import __version__
from caveat.project import ConfigError, Settings, settings_for, settings_from_mapping


def main(argv: Sequence[str] | None = None) -> int:
    # bandit's extension manager loads optional output formatters we never use and logs
    # an ERROR when their dependencies are missing; that is noise in an editor's log.
    logging.getLogger("stevedore").setLevel(logging.CRITICAL)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"caveat: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caveat", description="Find the defects AI coding assistants write.")
    parser.add_argument("--version", action="version", version=f"caveat {__version__}")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for editors that pass it)")
    serve.add_argument("--log-file", help="also write the server log to this file")
    serve.set_defaults(run=_serve)

    check = sub.add_parser("check", help="check files or folders and report findings")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.add_argument("--select", help="comma-separated codes, prefixes or categories to enable (replaces the default)")
    check.add_argument("--extend-select", help="codes to enable on top of the selection")
    check.add_argument("--ignore", help="codes, prefixes or categories to disable")
    check.add_argument("--severity", action="append", default=[], metavar="CODE=LEVEL",
                       help="override a code's severity (error, warning, info, hint); repeatable")
    check.add_argument("--exclude", help="comma-separated globs of paths to skip (added to the configured ones)")
    check.add_argument("--python", help="the project's environment: an interpreter or a venv folder")
    check.add_argument("--config", help="pyproject.toml to read [tool.caveat] from (default: nearest one)")
    check.add_argument("--report-unused-suppressions", action="store_true", default=None)
    check.add_argument("--profile", choices=("default", "strict"),
                       help="the rule set: default (rules that meet the precision policy) or strict (all)")
    check.add_argument("--new-code", choices=("auto", "strict", "default"),
                       help="auto (default): lines changed since git HEAD get the strict profile; strict: "
                            "also every line outside git; default: the default set everywhere")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk result cache")
    check.add_argument("--no-api", action="store_true",
                       help="local checks only: skip the API reality checks against the project's environment")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    check.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    gate = check.add_argument_group("fixing and gating (docs/adoption.md)")
    gate.add_argument("--fix", action="store_true", help="apply the safe fixes of the reported findings")
    gate.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: the unsafe fixes too")
    gate.add_argument("--diff", action="store_true",
                      help="print the fixes as a unified diff instead of writing them (exit 1 if there are any)")
    gate.add_argument("--baseline", metavar="FILE", help="hide the findings recorded in this baseline "
                      "(default: [tool.caveat] baseline)")
    gate.add_argument("--no-baseline", action="store_true", help="ignore the configured baseline")
    gate.add_argument("--write-baseline", metavar="FILE",
                      help="record every current finding in FILE (entries of files not checked are kept)")
    gate.add_argument("--report-stale-baseline", action="store_true",
                      help="list baseline entries whose finding is gone (and exit 1 if there are any)")
    gate.add_argument("--diff-from", metavar="REF",
                      help="report only findings on lines added or changed since the git revision REF")
    check.set_defaults(run=_check)

    report = sub.add_parser("report", help="velocity and defects over the git history, AI-assisted commits apart")
    report.add_argument("path", nargs="?", default=".", metavar="PATH", help="a folder or file in the repository")
    report.add_argument("--since", metavar="DATE", help="first day (ISO 8601 date or time, UTC)")
    report.add_argument("--until", metavar="DATE", help="last day (ISO 8601 date or time, UTC)")
    report.add_argument("--period", choices=("week", "month"), default="week")
    report.add_argument("--range", metavar="REVS", help="the commits of BASE..HEAD, or of HEAD's history (default HEAD)")
    report.add_argument("--pr", metavar="BASE..HEAD", help="summarise a pull request's commits (markdown by default)")
    report.add_argument("--format", choices=("html", "json", "markdown"), help="default: html, markdown with --pr")
    report.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    report.add_argument("--config", help="pyproject.toml to read [tool.caveat] from (default: nearest one)")
    report.add_argument("--api", action="store_true",
                        help="also run the API checks (jedi) on past versions, against today's environment")
    report.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk result cache")
    report.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    report.set_defaults(run=_report)

    rule = sub.add_parser("rule", help="print the documentation of a rule")
    rule.add_argument("code")
    rule.set_defaults(run=_rule)

    rules = sub.add_parser("rules", help="list all rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="markdown prints the full rule reference (docs/rules.md)")
    rules.set_defaults(run=_rules)
    return parser


def _serve(args) -> int:
    from caveat.lsp.server import run_server

    run_server(tcp=args.tcp, log_file=args.log_file)
    return 0


def _check(args) -> int:
    from caveat import gate
    from caveat.check import CheckRun
    from caveat.engine import syntax_version

    _check_flags(args)
    settings = _settings_from_args(args)
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or directory: {', '.join(missing)}")
    baseline, baseline_name = _baseline(args, settings)
    scope = gate.Scope(baseline, _changes(args, paths))
    run = CheckRun(settings, use_cache=not args.no_cache, api=not args.no_api, new_code_base=args.diff_from or "HEAD",
                   progress=not args.no_progress and sys.stderr.isatty() and args.format == "text" and not args.diff)
    results = run.check(paths, only=scope.includes if scope.changes else None)
    newer = syntax_version.collapse(results)  # one note per run, not one per file
    if newer is not None:
        run.notes.append(syntax_version.advice(*newer))
    fixed = None
    if args.fix or args.diff:
        scoped = [scope.apply(r, Path(r.path)) for r in results]
        outcomes = gate.apply_fixes(run, scoped, scope, args.unsafe_fixes, write=not args.diff)
        changed = [o for o in outcomes if o.changed]
        if args.diff:
            with open(args.output, "w", encoding="utf-8") if args.output else nullcontext(sys.stdout) as out:
                out.writelines(outcome.diff(str(outcome.path)) for outcome in changed)
            count = sum(o.applied for o in changed)
            _print_notes(run)
            print(f"caveat: would fix {count} finding{'' if count == 1 else 's'} in {len(changed)} "
                  f"file{'' if len(changed) == 1 else 's'}", file=sys.stderr)
            return 1 if changed and not args.exit_zero else 0
        fixed = sum(o.applied for o in outcomes)
        if changed:  # re-check what was rewritten
            again = {r.path: r for r in run.check([o.path for o in changed])}
            results = [again.get(r.path, r) for r in results]
    if args.write_baseline:
        return _write_baseline(args, run, results, fixed)
    scope.matched.clear()
    scoped = [scope.apply(r, Path(r.path)) for r in results]
    summary = gate.summary_of(scoped, scope, baseline_name)
    summary.fixed = fixed
    if args.report_stale_baseline:
        stale = gate.stale_entries(baseline, [Path(r.path) for r in results], scope, run.settings, run.api)
        summary.stale = [f"{entry.path}:{entry.line}: {entry.code} {entry.message}" for entry in stale]
    _write_report(args, settings, scoped, summary, with_baseline=baseline is not None)
    _print_notes(run)
    found = any(r.findings for r in scoped) or summary.stale
    return 0 if args.exit_zero or not found else 1


def _check_flags(args) -> None:
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise ConfigError("--unsafe-fixes adds the unsafe fixes to --fix or --diff; add one of them")
    if args.diff_from == "":
        raise ConfigError("--diff-from needs a git revision, and got an empty one "
                          "(in CI: is the variable naming the target branch set for this event?)")
    if args.write_baseline and args.diff_from:
        raise ConfigError("--write-baseline records every finding; it cannot be combined with --diff-from")
    if args.write_baseline and args.diff:
        raise ConfigError("--write-baseline writes a file; --diff only shows what --fix would change")
    if args.report_stale_baseline and (args.no_baseline or args.write_baseline):
        raise ConfigError("--report-stale-baseline needs a baseline to read (--baseline FILE or [tool.caveat] baseline)")


def _baseline(args, settings: Settings):
    """The baseline in use and its name for messages (None when there is none, or when
    a new one is being written: it records every finding)."""
    from caveat.baseline import Baseline, configured_file

    if args.no_baseline or args.write_baseline:
        return None, None
    if args.baseline:
        return Baseline.load(args.baseline), args.baseline
    path = configured_file(settings)
    if path is not None:
        try:
            name = os.path.relpath(path)
        except ValueError:
            name = str(path)
        return Baseline.load(path), name
    if args.report_stale_baseline:
        raise ConfigError("--report-stale-baseline needs a baseline (--baseline FILE or [tool.caveat] baseline)")
    return None, None


def _changes(args, paths: list[Path]):
    if not args.diff_from:
        return None
    from caveat import vcs

    try:
        return vcs.changes_since(paths[0], args.diff_from)
    except vcs.VcsError as error:
        raise ConfigError(f"--diff-from {args.diff_from}: {error}") from None


def _write_report(args, settings: Settings, results, summary, with_baseline: bool) -> None:
    from caveat.report.text import summarize

    summarize(results, summary)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            from caveat.report.json_report import write_json

            write_json(results, out)
        elif args.format == "sarif":
            from caveat.report.sarif import write_sarif

            write_sarif(results, out, settings.root or os.getcwd(), with_baseline)
        else:
            from caveat.report.text import write_text

            write_text(results, out, summary=summary)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.format != "text":  # what a text report ends with
        for entry in summary.stale:
            print(f"caveat: stale baseline entry: {entry}", file=sys.stderr)
        first = 0 if summary.fixed is not None else 1  # "Fixed N findings, M remaining." (not "Found M")
        for line in summary.lines(sum(len(r.findings) for r in results))[first:]:
            if not line.startswith("[*]"):
                print(f"caveat: {line}", file=sys.stderr)


def _print_notes(run) -> None:
    environments = set()
    for note in run.notes:
        if ": environment: " in note:  # one per file from the API stage: say it once
            environment = note.split(": environment: ", 1)[1]
            if environment not in environments:
                environments.add(environment)
                print(f"caveat: API checks against {environment}", file=sys.stderr)
            continue
        print(f"caveat: {note}", file=sys.stderr)
    run.notes.clear()


def _write_baseline(args, run, results, fixed: int | None) -> int:
    from caveat import gate
    from caveat.baseline import Baseline, entries_of, write_baseline

    target = Path(args.write_baseline)
    old = Baseline.load(target) if target.exists() else None
    fresh = Baseline(target)
    new = [entry for r in results for entry in entries_of(fresh, r.path, r.findings, r.lines)]
    entries, kept, dropped = gate.rewritten_entries(old, new, [Path(r.path) for r in results], run.settings, run.api)
    count = write_baseline(target, entries)
    _print_notes(run)
    if fixed is not None:
        print(f"Fixed {fixed} finding{'' if fixed == 1 else 's'}.")
    details = [f"{kept} kept for files or codes this run did not check"] if kept else []
    details += [f"{dropped} stale entr{'y' if dropped == 1 else 'ies'} dropped"] if dropped else []
    print(f"Wrote {count} finding{'' if count == 1 else 's'} to {args.write_baseline}"
          f"{' (' + ', '.join(details) + ')' if details else ''}.")
    return 0


def _report(args) -> int:
    from caveat.history.command import run_report

    return run_report(args)


def _settings_from_args(args) -> Settings:
    if args.config:
        from caveat.project import load_pyproject

        settings = load_pyproject(Path(args.config))
    else:
        first = Path(args.paths[0]) if args.paths else Path(".")
        settings, _ = settings_for(first if first.exists() else Path("."))
    overrides: dict = {}
    for key in ("select", "extend_select", "ignore", "profile", "new_code"):
        value = getattr(args, key)
        if value is not None:
            overrides[key] = value
    if args.exclude:
        overrides["exclude"] = list(settings.exclude) + [p.strip() for p in args.exclude.split(",") if p.strip()]
    if args.python:
        # absolute, never resolved: a venv's bin/python is a symlink out of the venv
        overrides["python"] = os.path.abspath(os.path.expanduser(args.python))
    if args.report_unused_suppressions:
        overrides["report_unused_suppressions"] = True
    if args.severity:
        table = dict((code, level.label) for code, level in settings.severity)
        for item in args.severity:
            code, sep, level = item.partition("=")
            if not sep:
                raise ConfigError(f"--severity expects CODE=LEVEL, got `{item}`")
            table[code.strip()] = level.strip()
        overrides["severity"] = table
    return settings_from_mapping(overrides, "command line", settings) if overrides else settings


def _rule(args) -> int:
    from caveat.rules import all_rules

    infos = all_rules()
    info = infos.get(args.code.upper()) or next((i for i in infos.values() if i.name == args.code), None)
    if info is None:
        print(f"caveat: error: unknown rule `{args.code}`; `caveat rules` lists them", file=sys.stderr)
        return 2
    cwe = f"CWE-{info.cwe}" if info.cwe else "no CWE"
    print(f"# {info.code} {info.name}\n")
    from caveat.rules import default_of

    print(f"Category: {info.category} · {cwe} · default severity: {info.severity.label} · "
          f"fix: {'yes' if info.fixable else 'no'} · from: {info.origin} · default: {default_of(info.code)} · "
          f"precision on real applications: {_precision_label(info.code)}\n")
    print(info.doc)
    return 0


def _rules_markdown(infos) -> None:
    from caveat.rules import default_of
    from caveat.rules.meta import ERROR_SEVERITY, ON_BY_DEFAULT

    print("# caveat rule reference\n")
    print("Generated by `caveat rules --format markdown`. Bandit's tests keep their ids and docs.\n")
    print(f"**default**: `on` rules meet the precision policy (measured precision on real applications "
          f">= {ON_BY_DEFAULT}; `error` severity needs >= {ERROR_SEVERITY}); `strict` rules are opt-in "
          "(select them by code, by category, with `--select strict` or `profile = \"strict\"`); "
          "`on (request data)`: the rule's findings about data of the remote request are on, the rest is "
          "opt-in (README, precision policy); `off` "
          "tests run only when selected by exact code. **precision**: worth raising / judged on "
          "`bench/detection/real-apps/` (`-`: no finding there to judge).\n")
    print("| code | name | category | CWE | fix | precision | default |\n| --- | --- | --- | --- | --- | --- | --- |")
    for info in infos.values():
        cwe = f"CWE-{info.cwe}" if info.cwe else "-"
        link = f"#{info.code.lower()}" if info.origin == "caveat" else info.url
        print(f"| [{info.code}]({link}) | {info.name} | {info.category} | {cwe} | "
              f"{'yes' if info.fixable else '-'} | {_precision_label(info.code)} | {default_of(info.code)} |")
    for info in infos.values():
        if info.origin != "caveat":
            continue
        cwe = f"CWE-{info.cwe}" if info.cwe else "no CWE"
        doc = info.doc.replace("\n## ", "\n### ")
        doc = doc[3:] if doc.startswith("## ") else doc
        print(f"\n## {info.code}\n\n**{info.name}** · {info.category} · {cwe} · severity {info.severity.label} · "
              f"default {default_of(info.code)} · precision {_precision_label(info.code)}\n\n### {doc}")


def _precision_label(code: str) -> str:
    from caveat.rules.meta import precision_of

    measured = precision_of(code)
    return measured.label if measured else "-"


_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _rules(args) -> int:
    from caveat.rules import all_rules, default_of
    from caveat.rules.meta import precision_of

    rows = []
    for i in all_rules().values():
        measured = precision_of(i.code)
        rows.append(
            {"code": i.code, "name": i.name, "category": i.category, "cwe": i.cwe,
             "severity": i.severity.label, "fixable": i.fixable, "origin": i.origin,
             "default": default_of(i.code), "summary": i.summary,
             "precision": None if measured is None else {
                 "value": round(measured.value, 3), "worth_raising": measured.worth, "judged": measured.judged,
                 "findings": measured.found, "triage": measured.triage},
             "options": [{"name": o.name, "type": _JSON_TYPES[o.type], "default": o.default, "doc": o.doc}
                         for o in i.options]})
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    if args.format == "markdown":
        _rules_markdown(all_rules())
        return 0
    print(f"{'code':<7} {'name':<40} {'category':<26} {'cwe':<8} {'fix':<4} {'precision':<12} default")
    for r in rows:
        cwe = f"CWE-{r['cwe']}" if r["cwe"] else "-"
        print(f"{r['code']:<7} {r['name'][:40]:<40} {r['category']:<26} {cwe:<8} {'yes' if r['fixable'] else '-':<4} "
              f"{_precision_label(r['code']):<12} {r['default']}")
    return 0
