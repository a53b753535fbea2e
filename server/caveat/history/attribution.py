"""Which commits an AI assistant co-wrote, from their message trailers.

A commit is AI-assisted when one of its trailers (git's own parse of the message's last
paragraph, folded lines unfolded) is:

* ``Co-authored-by:`` naming a known assistant identity (the table below: a name that is
  the assistant's, or an address at the assistant's domain or bot account). A person's
  name that merely contains an assistant's (``Claude Dupont <claude@example.fr>``) is not
  one: the name must be the assistant's alone, optionally with its product words;
* ``Assisted-by:`` or ``Generated-by:`` with any value;
* ``AI-assisted:`` with a true value (``true``, ``yes``, ``1``);
* a trailer line matching one of the project's ``[tool.caveat.report] ai-trailers``
  regular expressions (searched case-insensitively in ``Key: value``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# Assistant identities as they appear in Co-authored-by trailers: the whole name (before
# the address), or the address.
ASSISTANT_NAMES = re.compile(
    r"^(github[ -])?copilot( (agent|chat|swe agent))?$"
    r"|^(anthropic )?claude( (code|opus|sonnet|haiku)\b[\w .-]*)$|^anthropic claude$"
    r"|^cursor( (agent|ai|bot))?$"
    r"|^(openai )?(codex|chatgpt)( (cli|agent|connector))?$"
    r"|^(google )?gemini( (code assist|cli|agent))?$|^gemini-code-assist\[bot\]$"
    r"|^devin ai$|^devin-ai-integration\[bot\]$"
    r"|^aider( \([^)]*\))?$"
    r"|^(amazon q( developer)?|codewhisperer|windsurf|codeium|tabnine|sourcegraph cody|openhands|opendevin|"
    r"sweep(-ai)?(\[bot\])?|copilot-swe-agent(\[bot\])?|codegen-sh\[bot\]|roo code|kilo code|zed agent|"
    r"google-labs-jules(\[bot\])?|coderabbitai(\[bot\])?)$",
    re.I,
)
# A first name shared with people ("Claude", "Devin", "Jules", "Cody") counts only with the
# assistant's address.
ASSISTANT_ADDRESSES = re.compile(  # an assistant's own address, never a person's at the same company
    r"^(noreply|no-reply|cursoragent|agent|bot|aider|codex|claude|devin|cascade|openhands|amp)@"
    r"(anthropic\.com|cursor\.(com|sh)|openai\.com|aider\.chat|devin\.ai|cognition\.ai|codeium\.com|"
    r"windsurf\.com|tabnine\.com|sourcegraph\.com|all-hands\.dev|factory\.ai|ampcode\.com)$"
    r"|^(\d+\+)?(copilot|copilot-swe-agent\[bot\]|devin-ai-integration\[bot\]|gemini-code-assist\[bot\]|"
    r"google-labs-jules\[bot\]|chatgpt-codex-connector\[bot\]|cursor\[bot\]|sweep-ai\[bot\]|"
    r"openhands-agent|claude\[bot\])@users\.noreply\.github\.com$",
    re.I,
)
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$")
_TRUE = frozenset({"true", "yes", "1", "y", "on"})


def trailer_lines(trailers: str) -> list[tuple[str, str]]:
    """(key, value) for each line of git's ``%(trailers:only,unfold)`` output."""
    found = []
    for line in trailers.splitlines():
        match = _TRAILER.match(line.strip())
        if match:
            found.append((match.group(1), match.group(2).strip()))
    return found


def is_assistant_identity(value: str) -> bool:
    """``Claude <noreply@anthropic.com>``, ``Copilot <...+Copilot@users.noreply.github.com>``..."""
    name, _, address = value.partition("<")
    name = " ".join(name.split())
    address = address.strip().rstrip(">").strip()
    return bool(ASSISTANT_NAMES.match(name)) or bool(address and ASSISTANT_ADDRESSES.search(address))


class Attribution:
    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [re.compile(p, re.I) for p in patterns]

    def is_ai_assisted(self, trailers: str) -> bool:
        for key, value in trailer_lines(trailers):
            lowered = key.lower()
            if lowered == "co-authored-by" and is_assistant_identity(value):
                return True
            if lowered in ("assisted-by", "generated-by") and value:
                return True
            if lowered == "ai-assisted" and value.lower() in _TRUE:
                return True
            line = f"{key}: {value}"
            if any(pattern.search(line) for pattern in self.patterns):
                return True
        return False
