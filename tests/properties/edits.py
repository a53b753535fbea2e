"""Edits a person makes while typing, as hypothesis strategies (shared by the properties).

Each edit is ``(kind, where, payload)``; ``change_for(text, edit)`` turns it into a
replacement of ``text[start:end]`` by ``new``, so the engine property applies it to the
text and the server property sends it as an LSP range change. The kinds:

- ``char``: a character or short token typed at a position (``'''``, brackets, ``:``);
- ``delete``: a run of characters deleted;
- ``paste``: a whole function or class pasted at a line start;
- ``line``: one line pasted at a line start (the outside fuzzer's snippets: an
  unbalanced ``'''`` or ``(`` that swallows the blocks after it, ``def f(a=[])`` at
  column 0 - inside a class it ends the class -, an ``assert``, a ``try/except: pass``);
- ``lines``: a range of 1-4 whole lines deleted;
- ``unclose``: the next line that closes a string or a bracket deleted;
- ``redefine``: a function of the module defined again at the end;
- ``rename``: a top-level function renamed (its callers now call nothing);
- ``import`` / ``drop-import``: an import added at the top / an import line blanked;
- ``break``: a line that does not parse.
"""
from __future__ import annotations

import re

from hypothesis import strategies as st

PASTES = [
    'def export(request, rows, path):\n    import subprocess\n    subprocess.call("gzip " + path, shell=True)\n'
    '    data = yaml.load(open(path))\n    try:\n        total = sum(rows) / len(rows)\n    except Exception:\n'
    '        pass\n    return requests.get("https://example.com", verify=False), data\n',
    "def helper(x):\n    return x\n",
    "class Paste:\n    def run(self, cmd):\n        os.system('ls ' + cmd)\n\n    def load(self, blob):\n"
    "        return pickle.loads(blob)\n",
    "async def fetch(url):\n    return requests.get(url)\n",
]
LINES = ["'''\n", '"""\n', "(\n", "x = [\n", ")\n", "def broken(:\n", "\n", "    ", "#",
         "def f(a=[]):\n    return a\n",
         "        x = eval(input())\n", "        assert x, 'no'\n", "        subprocess.call('ls ' + x, shell=True)\n",
         "    try:\n        pass\n    except Exception:\n        pass\n", "        return yaml.load(open(p))\n"]
IMPORTS = ["import subprocess\n", "import yaml\n", "import requests\n", "import pickle\n", "from os import system\n",
           "import os as o\n", "from requests import get\n", "import subprocess as yaml\n"]
CHARS = list("():'\"\n x#\\,[]=") + ["    ", "def ", "class ", "@", "else:", "'''"]
BREAKS = ["def broken(:\n", "x = (\n", "    if\n", "'''\n", "class C(\n"]

_DEF = re.compile(r"(?:async\s+)?def\s+(\w+)")
_IMPORT = re.compile(r"(?:import|from)\s")
_CLOSER = re.compile(r"'''|\"\"\"|^\s*[)\]}]")


@st.composite
def edits(draw, kinds=("char", "char", "delete", "paste", "import", "break", "line", "line", "lines", "unclose",
                       "redefine", "rename", "drop-import")):
    kind = draw(st.sampled_from(kinds))
    where = draw(st.floats(0, 1, allow_nan=False))
    payload = None
    if kind == "char":
        payload = draw(st.sampled_from(CHARS))
    elif kind == "delete":
        payload = draw(st.integers(1, 200))
    elif kind == "paste":
        payload = draw(st.sampled_from(PASTES))
    elif kind == "line":
        payload = draw(st.sampled_from(LINES))
    elif kind == "lines":
        payload = draw(st.integers(1, 4))
    elif kind == "import":
        payload = draw(st.sampled_from(IMPORTS))
    elif kind == "break":
        payload = draw(st.sampled_from(BREAKS))
    return kind, where, payload


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def change_for(text: str, edit) -> tuple[int, int, str]:
    """``(start, end, new)``: the edit replaces ``text[start:end]`` by ``new``."""
    kind, where, payload = edit
    starts = _line_starts(text)
    lines = text.split("\n")
    row = min(len(lines) - 1, int(where * len(lines)))
    if kind == "import":
        return 0, 0, payload
    if kind in ("paste", "break"):
        return starts[row], starts[row], payload + "\n"
    if kind == "line":
        return starts[row], starts[row], payload
    if kind == "lines":
        last = min(len(lines) - 1, row + payload)
        return starts[row], starts[last] if last > row else starts[row] + len(lines[row]), ""
    if kind in ("redefine", "rename", "drop-import", "unclose"):
        pattern = {"redefine": _DEF, "rename": _DEF, "drop-import": _IMPORT, "unclose": _CLOSER}[kind]
        search = pattern.search if kind == "unclose" else pattern.match
        hits = [i for i, line in enumerate(lines) if search(line)]
        if not hits:
            return starts[row], starts[row], ""
        i = hits[int(where * len(hits)) % len(hits)]
        if kind == "redefine":
            name = _DEF.match(lines[i]).group(1)
            return len(text), len(text), f"\n\ndef {name}(*args):\n    return []\n"
        if kind == "rename":
            match = _DEF.match(lines[i])
            return starts[i] + match.end(1), starts[i] + match.end(1), "_renamed"
        return starts[i], starts[i] + len(lines[i]), ""  # the line's text, not its line break
    at = int(where * len(text))
    if kind == "delete":
        return at, min(len(text), at + payload), ""
    return at, at, payload  # char


def apply(text: str, edit) -> str:
    start, end, new = change_for(text, edit)
    return text[:start] + new + text[end:]


def position(text: str, offset: int) -> tuple[int, int]:
    """(line, character) of ``offset`` (0-based; characters are code points: ASCII texts)."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)
