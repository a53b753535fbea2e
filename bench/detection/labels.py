"""Read the `# expect:` / `# ok:` labels of the detection corpus.

Label grammar (a full-line comment, nothing else on the line)::

    # expect: CATEGORY[, CATEGORY] [@group] [-- note]
    # ok: CATEGORY[, CATEGORY] [-- note]

The labelled statement is the next line that is not a comment.  Its line range comes from
``ast``: ``lineno`` (the first decorator for decorated definitions) .. ``end_lineno``, except
for ``def`` / ``class`` where only the header (decorators and signature) counts, so that a
label on a function's signature does not swallow its whole body.  An ``except`` clause can be
labelled like a statement (range: the whole handler).

``@group``: labels in the same file that share a group tag describe *one* defect that spans
several statements (typically the statement that builds a value and the one that uses it).
A group counts as one label; it is found if any of its statements carries a finding, and
findings on any of its statements are not false positives.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from tool_maps import CATEGORIES

LABEL_RE = re.compile(
    r"^#\s*(?P<kind>expect|ok)\s*:\s*(?P<cats>[a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)"
    r"(?:\s+@(?P<group>[A-Za-z0-9_-]+))?"
    r"\s*(?:--.*)?$"
)
LOOSE_RE = re.compile(r"^#\s*(expect|ok)\b", re.IGNORECASE)


class CorpusError(Exception):
    pass


@dataclass
class Label:
    """One defect (kind == "expect") or one look-alike (kind == "ok") of one category."""

    path: str  # corpus-relative posix path
    category: str
    kind: str  # "expect" | "ok"
    ranges: list[tuple[int, int]] = field(default_factory=list)  # inclusive line ranges
    group: str | None = None

    @property
    def line(self) -> int:
        return self.ranges[0][0]

    def covers(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.ranges)


def _node_start(node: ast.AST) -> int:
    decos = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decos])


def _node_range(node: ast.AST) -> tuple[int, int]:
    start = _node_start(node)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        end = max(node.lineno, node.body[0].lineno - 1)
        return start, end
    return start, node.end_lineno or node.lineno


def _statement_index(tree: ast.AST) -> dict[int, ast.AST]:
    """First line -> outermost statement (or except handler) starting on that line."""
    index: dict[int, ast.AST] = {}
    # ast.walk is breadth first, so the outermost node on a line is seen first.
    for node in ast.walk(tree):
        if isinstance(node, (ast.stmt, ast.ExceptHandler)):
            index.setdefault(_node_start(node), node)
    return index


def _comment_lines(source: str) -> dict[int, str]:
    """Line -> text of a comment that is alone on its line."""
    out: dict[int, str] = {}
    lines = source.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            if lines[row - 1][:col].strip() == "":
                out[row] = tok.string.strip()
    return out


def parse_file(path: Path, rel: str) -> list[Label]:
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path), feature_version=(3, 11))
    except SyntaxError as exc:
        raise CorpusError(f"{rel}:{exc.lineno}: does not parse: {exc.msg}") from exc
    comments = _comment_lines(source)
    index = _statement_index(tree)
    n_lines = len(source.splitlines())

    labels: list[Label] = []
    groups: dict[tuple[str, str], Label] = {}
    for row, text in sorted(comments.items()):
        m = LABEL_RE.match(text)
        if not m:
            if LOOSE_RE.match(text):
                raise CorpusError(f"{rel}:{row}: malformed label: {text!r}")
            continue
        cats = [c.strip() for c in m["cats"].split(",")]
        for c in cats:
            if c not in CATEGORIES:
                raise CorpusError(f"{rel}:{row}: unknown category {c!r}")
        target = row + 1
        while target <= n_lines and target in comments:
            target += 1
        node = index.get(target)
        if node is None:
            raise CorpusError(
                f"{rel}:{row}: label is not directly above the first line of a statement"
            )
        rng = _node_range(node)
        kind = m["kind"]
        group = m["group"]
        if group and kind != "expect":
            raise CorpusError(f"{rel}:{row}: @group is only meaningful on expect labels")
        for c in cats:
            if group:
                key = (c, group)
                if key in groups:
                    groups[key].ranges.append(rng)
                    continue
                lab = Label(rel, c, kind, [rng], group)
                groups[key] = lab
            else:
                lab = Label(rel, c, kind, [rng])
            labels.append(lab)
    _validate(labels, rel)
    return labels


def _validate(labels: list[Label], rel: str) -> None:
    expects = [lab for lab in labels if lab.kind == "expect"]
    for i, a in enumerate(expects):
        for b in expects[i + 1 :]:
            if a.category != b.category:
                continue
            for ra in a.ranges:
                for rb in b.ranges:
                    if ra[0] <= rb[1] and rb[0] <= ra[1]:
                        raise CorpusError(
                            f"{rel}:{ra[0]}: expect {a.category} overlaps another "
                            f"expect {b.category} at line {rb[0]}"
                        )
    for a in labels:
        for b in labels:
            if (
                a.kind == "expect"
                and b.kind == "ok"
                and a.category == b.category
                and any(ra == rb for ra in a.ranges for rb in b.ranges)
            ):
                raise CorpusError(f"{rel}:{a.line}: statement is both expect and ok")


def load_corpus(root: Path) -> tuple[list[Path], list[Label]]:
    """All corpus files (sorted) and their labels; raises CorpusError on a bad label."""
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    labels: list[Label] = []
    for p in files:
        labels.extend(parse_file(p, p.relative_to(root).as_posix()))
    return files, labels
