"""``logtool`` -- small CLI for poking at application logs on the servers.

    logtool errors /var/log/app/app.log
    logtool tail /var/log/app/app.log -n 50
    cat app.log | logtool count-levels -
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

ERROR_RE = re.compile(r"\b(ERROR|CRITICAL)\b")
CONFIG = Path.home() / ".config" / "logtool.json"


def load_config() -> dict:
    """Tiny per-user config file."""
    if not CONFIG.is_file():
        return {}
    with CONFIG.open(encoding="utf-8") as fh:
        # ok: unbounded-materialization -- a small config file we own
        return json.load(fh)


def errors(path: str) -> list[str]:
    """All ERROR/CRITICAL lines of a log file."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        # expect: unbounded-materialization
        content = fh.read()
    return [line for line in content.splitlines() if ERROR_RE.search(line)]


def errors_streaming(path: str) -> int:
    count = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        # ok: unbounded-materialization -- iterates line by line
        for line in fh:
            if ERROR_RE.search(line):
                print(line, end="")
                count += 1
    return count


def tail(path: str, n: int) -> list[str]:
    """Last ``n`` lines."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        # expect: unbounded-materialization
        lines = fh.readlines()
    return lines[-n:]


def tail_bounded(path: str, n: int) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        # ok: unbounded-materialization -- deque keeps only the last n lines
        return list(collections.deque(fh, maxlen=n))


def count_levels(source: str) -> collections.Counter:
    """Count log levels in a file or on stdin (``-``)."""
    if source == "-":
        # expect: unbounded-materialization
        text = sys.stdin.read()
    else:
        # expect: unbounded-materialization
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    return collections.Counter(m.group(1) for m in re.finditer(r"\b(DEBUG|INFO|WARNING|ERROR)\b", text))


def head(path: str, max_bytes: int = 64 * 1024) -> str:
    with open(path, "rb") as fh:
        # ok: unbounded-materialization -- bounded read
        return fh.read(max_bytes).decode("utf-8", errors="replace")


def rotated_errors(path: str) -> int:
    """Count error lines in a gzip-rotated log."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        # ok: unbounded-materialization -- generator expression, nothing kept
        return sum(1 for line in fh if ERROR_RE.search(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_err = sub.add_parser("errors")
    p_err.add_argument("path")
    p_tail = sub.add_parser("tail")
    p_tail.add_argument("path")
    p_tail.add_argument("-n", type=int, default=20)
    p_cnt = sub.add_parser("count-levels")
    p_cnt.add_argument("source")
    args = parser.parse_args()
    if args.cmd == "errors":
        print("\n".join(errors(args.path)))
    elif args.cmd == "tail":
        print("".join(tail(args.path, args.n)), end="")
    else:
        print(dict(count_levels(args.source)))


if __name__ == "__main__":
    main()
