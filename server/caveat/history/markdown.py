"""The pull-request summary: ``caveat report --pr BASE..HEAD --format markdown``."""
from __future__ import annotations

import re
from collections import Counter

from caveat.history.checklist import ITEMS, Touch
from caveat.history.links import Links
from caveat.history.timeline import History

MAX_LISTED = 50
_WHY = {
    "user input": "reads data a client or user controls",
    "authentication": "decides who someone is or what they may do",
    "data access": "reads or writes databases, files or serialized data",
    "external calls": "talks to other services or runs programs",
}


def summary(history: History, touches: list[Touch] | None, links: Links) -> str:
    """The summary of ``history``'s commits; the checklist when ``touches`` is given (a range
    with a base to compare with)."""
    commits = history.commits
    ai = [c for c in commits if c.ai_assisted]
    added = sum(c.lines_added for c in commits)
    deleted = sum(c.lines_deleted for c in commits)
    ai_added = sum(c.lines_added for c in ai)
    fixed = sum(c.fixed for c in commits)
    new = history.open_findings
    out = ["## caveat: what this change brings", ""]
    out.append(f"**{len(commits)} commit{_s(len(commits))}, {len(ai)} AI-assisted ({_share(len(ai), len(commits))})**"
               f" · **+{added} / −{deleted} lines of Python, {ai_added} added in AI-assisted commits "
               f"({_share(ai_added, added)})**")
    out.append("")
    per_kloc = f"{1000 * len(new) / added:.1f} per 1,000 lines added" if added else "no Python lines added"
    out.append(f"### New findings: {len(new)} ({per_kloc}; {fixed} fixed)")
    out.append("")
    if new:
        by_category = Counter(f.defect.category for f in new)
        by_category_ai = Counter(f.defect.category for f in new if f.introduced_by.ai_assisted)
        out += ["| category | new | from AI-assisted commits |", "| --- | ---: | ---: |"]
        for category, count in sorted(by_category.items(), key=lambda item: (-item[1], item[0])):
            out.append(f"| {category} | {count} | {by_category_ai[category]} |")
        out.append("")
        for finding in new[:MAX_LISTED]:
            defect, origin = finding.defect, finding.introduced_by
            where = _link(f"{finding.path}:{defect.line}", links.line(finding.path, defect.line), code=True)
            commit = _link(origin.commit[:7], links.commit(origin.commit), code=True)
            tag = ", AI-assisted" if origin.ai_assisted else ""
            out.append(f"- {where} **{defect.code}** {defect.category}: {_escape(defect.message)} "
                       f"(introduced by {commit}{tag})")
        if len(new) > MAX_LISTED:
            out.append(f"- … and {len(new) - MAX_LISTED} more (`caveat report --pr ... --format json`)")
        out.append("")
    if touches is None:
        return "\n".join(out)
    out += ["### Security checklist", ""]
    by_item: dict[str, list[Touch]] = {}
    for touch in touches:
        by_item.setdefault(touch.item, []).append(touch)
    if not by_item:
        out.append(f"The changed lines reach none of: {', '.join(ITEMS)}.")
    for item in ITEMS:
        found = by_item.get(item)
        if not found:
            continue
        places = []
        for touch in found[:8]:
            places.append(f"{_link(f'{touch.path}:{touch.line}', links.line(touch.path, touch.line), code=True)} "
                          f"{_code(touch.what)}")
        more = f", … {len(found) - 8} more" if len(found) > 8 else ""
        out.append(f"- [ ] **{item.capitalize()}** ({_WHY[item]}): {', '.join(places)}{more}")
    out.append("")
    return "\n".join(out)


def _link(text: str, url: str | None, code: bool = False) -> str:
    shown = f"`{text}`" if code else text
    return f"[{shown}]({url})" if url else shown


def _code(text: str) -> str:
    return "`" + " ".join(text.split()).replace("`", "'") + "`"


def _escape(text: str) -> str:
    text = " ".join(text.split())
    return re.sub(r"([|<>\[\]])", r"\\\1", text).replace("`", "'")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
