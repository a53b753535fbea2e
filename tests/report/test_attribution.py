"""Which commit trailers mark a commit AI-assisted (specification: caveat/history/attribution.py)."""
from __future__ import annotations

import pytest
from caveat.history.attribution import Attribution

AI = [
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
    "Co-authored-by: Claude Code <noreply@anthropic.com>",
    "Co-authored-by: GitHub Copilot <copilot@github.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Co-authored-by: Codex <codex@openai.com>",
    "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
    "Co-authored-by: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
    "Co-authored-by: aider (gpt-4o) <noreply@aider.chat>",
    "Assisted-by: Cursor",
    "Generated-by: an internal tool",
    "AI-assisted: true",
    "AI-Assisted: yes",
    "Signed-off-by: Dev <dev@example.com>\nCo-authored-by: Claude <noreply@anthropic.com>",
]
HUMAN = [
    "",
    "Signed-off-by: Dev <dev@example.com>",
    "Co-authored-by: Claude Dupont <claude.dupont@example.fr>",  # a person called Claude
    "Co-authored-by: Claude <claude@family.example>",
    "Co-authored-by: Devin Smith <devin@example.com>",
    "Co-authored-by: Jane <jane@anthropic.com>",  # a person who works there
    "Co-authored-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
    "Reviewed-by: Copilot <175728472+Copilot@users.noreply.github.com>",  # a review, not authorship
    "AI-assisted: false",
    "AI-assisted: no",
    "Assisted-by:",
]


@pytest.mark.parametrize("trailers", AI)
def test_assistant_trailers(trailers):
    assert Attribution().is_ai_assisted(trailers)


@pytest.mark.parametrize("trailers", HUMAN)
def test_people_and_other_trailers(trailers):
    assert not Attribution().is_ai_assisted(trailers)


def test_project_patterns_add_to_the_known_ones():
    custom = Attribution([r"^X-Agent: robo", r"^Tool: .*llm"])
    assert custom.is_ai_assisted("X-Agent: robo-coder")
    assert custom.is_ai_assisted("tool: local-llm")  # case-insensitive
    assert not custom.is_ai_assisted("X-Agent: human")
    assert custom.is_ai_assisted("Co-authored-by: Claude <noreply@anthropic.com>")
