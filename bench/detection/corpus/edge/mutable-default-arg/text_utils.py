"""Assorted helpers used across the content pipeline."""

from __future__ import annotations

import collections
from types import MappingProxyType
from typing import Any, Iterable, Mapping

EMPTY: Mapping[str, Any] = MappingProxyType({})


# expect: mutable-default-arg
def add_tag(article: dict, tag: str, tags=[]) -> list[str]:
    """Attach a tag to an article and return the article's tag list."""
    tags.append(tag)
    article["tags"] = tags
    return tags


# ok: mutable-default-arg -- None sentinel
def add_tag_safe(article: dict, tag: str, tags: list[str] | None = None) -> list[str]:
    tags = [] if tags is None else tags
    tags.append(tag)
    article["tags"] = tags
    return tags


# expect: mutable-default-arg
def merge_meta(base: dict, extra: dict = {}) -> dict:
    """Merge metadata dictionaries (``extra`` wins)."""
    extra.update({k: v for k, v in base.items() if k not in extra})
    return extra


# ok: mutable-default-arg -- immutable tuple default
def slugify(text: str, keep: tuple[str, ...] = ("-", "_")) -> str:
    return "".join(c if c.isalnum() or c in keep else "-" for c in text.lower()).strip("-")


# expect: mutable-default-arg
def dedupe(items: Iterable[str], seen: set[str] = set()) -> list[str]:
    """Drop items already seen in this batch."""
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# ok: mutable-default-arg -- frozenset is immutable
def strip_stopwords(words: list[str], stop: frozenset[str] = frozenset({"a", "an", "the"})) -> list[str]:
    return [w for w in words if w.lower() not in stop]


# ok: mutable-default-arg -- read-only mapping proxy
def render(template: str, context: Mapping[str, Any] = EMPTY) -> str:
    return template.format_map(collections.defaultdict(str, context))


# expect: mutable-default-arg
def word_counts(text: str, *, counter: collections.Counter = collections.Counter()) -> collections.Counter:
    counter.update(text.split())
    return counter


# expect: mutable-default-arg
make_accumulator = lambda value, acc=[]: acc.append(value) or acc


# ok: mutable-default-arg -- tuple default
def build_index(docs: list[dict], fields=("title", "body")) -> dict[str, list[int]]:
    index: dict[str, list[int]] = collections.defaultdict(list)
    for i, doc in enumerate(docs):
        for field in fields:
            for word in str(doc.get(field, "")).split():
                index[word.lower()].append(i)
    return dict(index)
