"""Links to commits and file lines on the forge the repository's ``origin`` points at.

Only forges whose URL shapes are known get links (GitHub, GitLab, Codeberg/Gitea); for
any other remote, or none, reports show the commit and path without a link.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote


class Links:
    def __init__(self, web: str | None, head: str) -> None:
        self.web = web
        self.head = head
        host = web.split("/")[2] if web else ""
        if "github" in host:
            self._commit, self._blob = "commit/{sha}", "blob/{sha}/{path}#L{line}"
        elif "gitlab" in host:
            self._commit, self._blob = "-/commit/{sha}", "-/blob/{sha}/{path}#L{line}"
        elif "codeberg" in host or "gitea" in host or "forgejo" in host:
            self._commit, self._blob = "commit/{sha}", "src/commit/{sha}/{path}#L{line}"
        else:
            self.web = None

    def templates(self, root: str) -> dict:
        """URL templates for the page's script: ``{sha}``, ``{path}``, ``{line}`` are filled in there.
        Without a known forge, files link to the working tree (which may have moved on since)."""
        if not self.web:
            return {"commit": None, "line": Path(root).as_uri() + "/{path}", "head": self.head}
        return {"commit": f"{self.web}/{self._commit}", "line": f"{self.web}/{self._blob}", "head": self.head}

    def commit(self, sha: str) -> str | None:
        return f"{self.web}/{self._commit.format(sha=sha)}" if self.web else None

    def line(self, path: str, line: int, sha: str | None = None) -> str | None:
        if not self.web:
            return None
        return f"{self.web}/{self._blob.format(sha=sha or self.head, path=quote(path), line=line)}"


def web_url(remote: str | None) -> str | None:
    """``git@github.com:o/r.git`` / ``https://user:token@host/o/r`` -> ``https://host/o/r``
    (credentials never leave the machine); None for anything else (a local path)."""
    if not remote:
        return None
    match = re.match(r"^(?:ssh://)?(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,})[:/](?!/)(.+?)(?:\.git)?/?$", remote) \
        if "://" not in remote or remote.startswith("ssh://") else None
    if match is None:
        parsed = re.match(r"^https?://(?:[^@/]*@)?([^/]+)/(.+?)(?:\.git)?/?$", remote)
        if parsed is None:
            return None
        match = parsed
    host, path = match.group(1), match.group(2)
    return f"https://{host}/{path}"
