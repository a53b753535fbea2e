"""Where bandit's findings land: a keyword on a later line of a call (``shell=True``) is
underlined on that line, inside it — bandit gives the call's column, which belongs to its first
line and could point past the end of the keyword's line (a zero-width span)."""
from caveat.engine.analyzer import Engine
from caveat.project import Settings

TEXT = '''def run(caller, spec):
    return_code, stdout_lines, stderr_lines = CommandlineCaller().call(
        f"convert {spec} out.png", shell=True
    )
    return return_code
'''


def test_keyword_on_a_continuation_line_is_underlined_on_that_line():
    found = [f for f in Engine().analyze(TEXT, "x.py", Settings(select=("B604",))).findings]
    assert len(found) == 1
    finding = found[0]
    line = TEXT.splitlines()[finding.line - 1]
    assert "shell=True" in line
    assert finding.end_line == finding.line
    assert 0 <= finding.col < finding.end_col <= len(line)
    assert "shell=True" in line[finding.col:finding.end_col]
