"""String, bytes and collection helpers used by the importers and the label printer."""
from __future__ import annotations

import re
import textwrap
import unicodedata
from collections import Counter, OrderedDict, defaultdict
# ok: removed-api -- has typing Iterable ## a deprecated alias of collections.abc.Iterable, not removed
from typing import Iterable

PLATE_RE = re.compile(r"^[A-Z]{1,3}-[A-Z]{1,2} ?\d{1,4}[EH]?$")


def normalise_plate(raw: str) -> str:
    # ok: hallucinated-attribute -- has str removeprefix ## new in Python 3.9
    plate = raw.strip().upper().removeprefix("D-")
    # expect: hallucinated-attribute -- lacks str replace_all
    return plate.replace_all("  ", " ")


def is_valid_plate(raw: str) -> bool:
    match = PLATE_RE.match(normalise_plate(raw))
    return match is not None


def plate_parts(raw: str) -> dict[str, str]:
    match = re.match(r"^(?P<city>[A-Z]{1,3})-(?P<letters>[A-Z]{1,2}) ?(?P<digits>\d+)", raw)
    if match is None:
        return {}
    # ok: hallucinated-attribute -- has re.match("a", "a") groupdict
    return match.groupdict()


def plate_parts_v0(raw: str) -> dict[str, str]:
    match = PLATE_RE.match(raw)
    if match is None:
        return {}
    # expect: hallucinated-attribute -- lacks re.match("a", "a") named_groups
    return match.named_groups()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    # ok: unknown-keyword-argument -- accepts re.sub flags
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower(), flags=re.ASCII).strip("-")


def contains_any(text: str, needles: Iterable[str]) -> bool:
    # expect: hallucinated-attribute -- lacks str contains ## Python uses the in operator
    return any(text.lower().contains(n.lower()) for n in needles)


def is_numeric_id(text: str) -> bool:
    # ok: hallucinated-attribute -- has str isdigit
    return text.strip().isdigit()


def is_numeric_id_v0(text: str) -> bool:
    # expect: hallucinated-attribute -- lacks str is_digit
    return text.strip().is_digit()


def trim_all(values: list[str]) -> list[str]:
    # expect: hallucinated-attribute -- lacks str trim
    return [v.trim() for v in values]


def shorten(text: str, width: int = 40) -> str:
    # ok: unknown-keyword-argument -- runs: textwrap.shorten("abc def ghi", width=8, placeholder="~") ## shorten(text, width, **kwargs) builds a TextWrapper
    return textwrap.shorten(text, width=width, placeholder="…")


def shorten_v0(text: str, width: int = 40) -> str:
    # expect: unknown-keyword-argument -- raises TypeError: textwrap.shorten("abc def", width=5, ellipsis="...") ## shorten(text, width, **kwargs) builds a TextWrapper, which rejects it
    return textwrap.shorten(text, width=width, ellipsis="…")


def checksum_hex(payload: bytes) -> str:
    total = sum(payload) % 65536
    # ok: hallucinated-attribute -- has bytes hex
    return total.to_bytes(2, "big").hex()


def checksum_hex_v0(payload: bytes) -> str:
    total = sum(payload) % 65536
    # expect: hallucinated-attribute -- lacks bytes to_hex
    return total.to_bytes(2, "big").to_hex()


def decode_label(raw: bytes) -> str:
    # ok: hallucinated-attribute -- has bytes removesuffix
    return raw.removesuffix(b"\x00").decode("latin-1")


def decode_label_v0(raw: bytes) -> str:
    # expect: hallucinated-attribute -- lacks bytes encode ## bytes are decoded, str is encoded
    return raw.rstrip(b"\x00").encode("latin-1")


def stops_in_order(stops: list[str], extra: str | None) -> list[str]:
    ordered = list(dict.fromkeys(stops))
    if extra:
        # expect: hallucinated-attribute -- lacks list push
        ordered.push(extra)
    return ordered


def stop_count(stops: list[str]) -> int:
    # expect: hallucinated-attribute -- lacks list() length
    return stops.length


def first_stop(stops: list[str]) -> str | None:
    # ok: hallucinated-attribute -- has list copy
    remaining = stops.copy()
    return remaining.pop(0) if remaining else None


def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged.get(key, 0) + value
    return merged


def merge_settings(base: dict[str, str], override: dict[str, str]) -> dict[str, str]:
    # expect: hallucinated-attribute -- lacks dict merge ## use base | override
    return base.merge(override)


def has_setting(settings: dict[str, str], key: str) -> bool:
    # expect: removed-api -- lacks dict has_key ## Python 2 only
    return settings.has_key(key)


def group_by_depot(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    groups: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row["depot"]].append(row)
    return dict(groups)


def top_depots(rows: list[dict[str, str]], n: int = 3) -> list[tuple[str, int]]:
    counts = Counter(row["depot"] for row in rows)
    # ok: hallucinated-attribute -- has collections.Counter most_common
    return counts.most_common(n)


def top_depots_v0(rows: list[dict[str, str]], n: int = 3) -> list[str]:
    counts = Counter(row["depot"] for row in rows)
    # expect: hallucinated-attribute -- lacks collections.Counter top
    return [depot for depot, _ in counts.top(n)]


def recent_first(events: OrderedDict[str, float]) -> list[str]:
    # ok: unknown-keyword-argument -- accepts collections.OrderedDict.move_to_end last
    events.move_to_end(next(iter(events)), last=True)
    return list(reversed(events))


def sort_stops(stops: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # ok: unknown-keyword-argument -- runs: sorted([("a", 1)], key=lambda s: s[1], reverse=True)
    return sorted(stops, key=lambda s: s[1], reverse=True)


def sort_stops_py2(stops: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # expect: removed-api -- raises TypeError: sorted([("a", 1)], cmp=lambda a, b: 0) ## Python 2's cmp= argument
    return sorted(stops, cmp=lambda a, b: a[1] - b[1])


def split_lines(blob: str) -> list[str]:
    # ok: unknown-keyword-argument -- runs: "a\nb".splitlines(keepends=False)
    return blob.splitlines(keepends=False)


def split_csv_line(line: str) -> list[str]:
    # expect: unknown-keyword-argument -- raises TypeError: "a,b".split(",", max=1) ## the keyword is maxsplit
    return line.split(",", max=5)


def join_names(names: Iterable[str]) -> str:
    # ok: hallucinated-attribute -- has str join
    return ", ".join(sorted(names))


def pad_id(number: int) -> str:
    # ok: hallucinated-attribute -- has str zfill
    return str(number).zfill(8)


def title_case(text: str) -> str:
    # expect: hallucinated-attribute -- lacks str to_title
    return text.to_title()


def flatten(groups: list[list[str]]) -> list[str]:
    out: list[str] = []
    for group in groups:
        # ok: hallucinated-attribute -- has list extend
        out.extend(group)
    return out


def unique_sorted(values: set[str]) -> list[str]:
    # expect: hallucinated-attribute -- lacks set sorted
    return values.sorted()
