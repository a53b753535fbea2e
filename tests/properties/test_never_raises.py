"""The engine and `caveat check` never raise, whatever the text.

Random text (hypothesis), NUL bytes, lone surrogates, 20,000-character lines,
deep nesting, huge files, invalid UTF-8 on disk: an analysis always returns
(notes and syntax notes are fine; exceptions are not).
"""
from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caveat.engine.analyzer import Engine
from caveat.project import Settings

SETTINGS = Settings()
ENGINE = Engine()
PYTHONISH = st.lists(st.sampled_from([
    "def ", "class ", "async ", "import ", "from ", " as ", "(", ")", "[", "]", "{", "}", ":", ",", "=", "'", '"',
    "'''", "\\", "#", "@", "\n", "\r", "\r\n", "    ", "\t", "x", "os", "yaml.load(", "eval(", "subprocess.call(",
    "shell=True", "\x00", "\udcff", "\u202e", "\x0c", "lambda", "yield", "await ", "if ", "else:", "try:",
    "except:", "pass", "return ", "f'{", "}'", "caveat: ignore[", "# nosec", "0x", "1e", "é",
]), max_size=80).map("".join)


def analyse(text: str) -> None:
    result = ENGINE.analyze(text, "/p/fuzz.py", SETTINGS)
    assert isinstance(result.findings, list)
    document = ENGINE.document()
    document.analyze(text, "/p/fuzz.py", SETTINGS)
    document.analyze(text[: len(text) // 2], "/p/fuzz.py", SETTINGS)
    document.analyze(text + "\n" + text, "/p/fuzz.py", SETTINGS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PYTHONISH)
def test_python_like_text_never_raises(text):
    analyse(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_never_raises(text):
    analyse(text)


def test_pathological_texts():
    texts = [
        "",
        "\x00" * 10,
        "x = 1\x00\nimport yaml\nyaml.load(h)\n",
        "s = '\udcff'\neval(input())\n",
        "x = '" + "a" * 20_000 + "'\n" + "y = " + "+".join(["z"] * 5_000) + "\n",  # long lines
        "x = " + "(" * 500 + ")" * 500 + "\n",  # too many parentheses for the parser
        "x = " + "[" * 100 + "]" * 100 + "\n",
        "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n",  # too deeply indented
        "def f():\n    return " + " + ".join(["a"] * 20_000) + "\n",  # deep expression tree
        "class A:\n" + "".join(f"    def m{i}(self):\n        return eval(x)\n" for i in range(2_000)),
        "'''" + "x\n" * 1000,  # unterminated string swallows the file
        "\r".join(["import os", "os.system(cmd)"] * 200),
        "\ufeffimport yaml\nyaml.load(h)\n",
    ]
    for text in texts:
        analyse(text)


def test_huge_file_is_noted_not_analysed():
    text = "eval(input())\n" * 200_000  # ~2.8 MB, over the default 2 MB limit
    result = ENGINE.analyze(text, "/p/huge.py", SETTINGS)
    assert [f.code for f in result.findings] == ["CAV003"]


def test_check_command_on_odd_files(tmp_path):
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\nimport yaml\nyaml.load(h)\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\neval(input())\n")
    (tmp_path / "binary.py").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "long.py").write_text("x = '" + "a" * 20_000 + "'\neval(input())\n")
    (tmp_path / "deep.py").write_text("x = " + "(" * 1000 + ")" * 1000 + "\n")
    env = {**os.environ, "CAVEAT_NO_DISK_CACHE": "1"}
    done = subprocess.run([sys.executable, "-m", "caveat", "check", "--format", "json", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "not valid UTF-8" in done.stderr
