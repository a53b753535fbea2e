"""What a name says: identifiers split into lowercase words, so that analysis and rules
can ask "is this a token / a callback URL?" by meaning rather than by one spelling."""
from __future__ import annotations

import re

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str | None) -> list[str]:
    """``aws_secretAccessKey`` -> ['aws', 'secret', 'access', 'key'];
    ``X-API-Key`` -> ['x', 'api', 'key']."""
    if not name:
        return []
    return [w.lower() for w in _CAMEL.findall(name)]
