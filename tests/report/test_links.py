"""Links in reports point at the forge `origin` names, and never carry its credentials."""
from __future__ import annotations

import pytest
from caveat.history.links import Links, web_url


@pytest.mark.parametrize(("remote", "web"), [
    ("git@github.com:octo/app.git", "https://github.com/octo/app"),
    ("https://github.com/octo/app.git", "https://github.com/octo/app"),
    ("https://x-access-token:ghp_secret@github.com/octo/app.git", "https://github.com/octo/app"),
    ("https://user:pass@gitlab.example.com/group/sub/app", "https://gitlab.example.com/group/sub/app"),
    ("ssh://git@gitlab.com/group/app.git", "https://gitlab.com/group/app"),
    ("/srv/git/app.git", None),
    ("file:///srv/git/app.git", None),
    ("../app", None),
    (None, None),
])
def test_web_url(remote, web):
    assert web_url(remote) == web


def test_links_by_forge():
    sha = "a" * 40
    github = Links("https://github.com/octo/app", sha)
    assert github.commit(sha) == f"https://github.com/octo/app/commit/{sha}"
    assert github.line("src/a b.py", 3) == f"https://github.com/octo/app/blob/{sha}/src/a%20b.py#L3"
    gitlab = Links("https://gitlab.com/group/app", sha)
    assert gitlab.line("x.py", 1) == f"https://gitlab.com/group/app/-/blob/{sha}/x.py#L1"
    unknown = Links("https://git.example.org/app", sha)  # shapes unknown: no link rather than a wrong one
    assert unknown.commit(sha) is None and unknown.line("x.py", 1) is None
    assert unknown.templates("/srv/app") == {"commit": None, "line": "file:///srv/app/{path}", "head": sha}
