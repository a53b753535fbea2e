"""``caveat report``: options -> history -> JSON, HTML or markdown."""
from __future__ import annotations

import json
import sys
from datetime import datetime, time, timezone
from pathlib import Path

from caveat.history.analyse import Analyser
from caveat.history.attribution import Attribution
from caveat.history.git import BlobReader, Repository
from caveat.history.links import Links
from caveat.history.timeline import History, replay
from caveat.project import ConfigError, load_pyproject, settings_for


def run_report(args) -> int:
    path = Path(args.path)
    if not path.exists():
        raise ConfigError(f"no such file or directory: {path}")
    if args.pr and args.range:
        raise ConfigError("--pr and --range both name the commits: give one")
    settings = load_pyproject(Path(args.config)) if args.config else settings_for(path)[0]
    repo = Repository(path.resolve())
    base, head = _revisions(repo, args.pr or args.range or "HEAD")
    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until", end=True)
    fmt = args.format or ("markdown" if args.pr else "html")
    show = not args.no_progress and sys.stderr.isatty()
    analyser = Analyser(repo.root, settings, progress=show, use_cache=not args.no_cache, api=args.api)
    history = replay(repo, analyser, Attribution(settings.ai_trailers), head=head, base=base,
                     since=since, until=until, period=args.period)
    for note in history.notes:
        print(f"caveat: {note}", file=sys.stderr)
    text = render(fmt, history, repo, analyser, base)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def render(fmt: str, history: History, repo: Repository, analyser: Analyser, base: str | None) -> str:
    links = Links(history.remote, history.head)
    if fmt == "json":
        return json.dumps(history.to_json(), indent=2) + "\n"
    if fmt == "markdown":
        from caveat.history.markdown import summary

        return summary(history, change_touches(repo, analyser, base, history.head) if base else None, links)
    from caveat.history.html import dashboard

    return dashboard(history, links)


def change_touches(repo: Repository, analyser: Analyser, base: str, head: str):
    """The checklist items the lines changed between ``base``'s merge base and ``head`` reach."""
    from caveat.history.checklist import touches

    start = repo.merge_base(base, head) or base
    changed = {path: lines for path, lines in repo.changed_lines(start, head).items() if not analyser.is_excluded(path)}
    files = repo.python_files(head)
    found = []
    with BlobReader(repo.root) as reader:
        for path in sorted(changed):
            if path in files:
                text = reader.read(files[path]).decode("utf-8", "replace")
                found.extend(touches(path, text, changed[path]))
    return found


def _revisions(repo: Repository, spec: str) -> tuple[str | None, str]:
    """``BASE..HEAD`` -> (base, head) commits; ``REV`` -> (None, REV)."""
    left, dots, right = spec.partition("...") if "..." in spec else spec.partition("..")
    if not dots:
        return None, repo.resolve(spec)
    return repo.resolve(left or "HEAD"), repo.resolve(right or "HEAD")


def parse_day(value: str | None, option: str, end: bool = False) -> datetime | None:
    """An ISO 8601 date (the whole day, UTC) or date and time (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            return datetime.combine(day, time.max if end else time.min, timezone.utc)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: `{value}` is not an ISO 8601 date (2026-01-31) or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
