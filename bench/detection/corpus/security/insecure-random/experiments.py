"""A/B testing, sampling and retry utilities -- plus the coupon generator that lives here
for historical reasons."""

from __future__ import annotations

import hashlib
import logging
import random
import time
from typing import Callable, TypeVar

import numpy as np

T = TypeVar("T")
log = logging.getLogger(__name__)


def assign_variant(user_id: int, variants: list[str]) -> str:
    """Deterministic bucket for an experiment (same user -> same variant)."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    # ok: insecure-random -- bucketing, no randomness at all
    return variants[int.from_bytes(digest[:4], "big") % len(variants)]


def should_sample(rate: float = 0.01) -> bool:
    """Log sampling for noisy debug events."""
    # ok: insecure-random -- statistical sampling, not security
    return random.random() < rate


def retry(fn: Callable[[], T], attempts: int = 5, base: float = 0.5) -> T:
    """Retry with exponential backoff and full jitter."""
    for attempt in range(attempts):
        try:
            return fn()
        except ConnectionError:
            if attempt == attempts - 1:
                raise
            # ok: insecure-random -- backoff jitter
            delay = random.uniform(0, base * 2**attempt)
            log.warning("retrying in %.2fs", delay)
            time.sleep(delay)
    raise RuntimeError("unreachable")


def shuffle_quiz(questions: list[str]) -> list[str]:
    """Shuffle quiz questions for display."""
    shuffled = questions[:]
    # ok: insecure-random -- display order
    random.shuffle(shuffled)
    return shuffled


def make_coupon_codes(n: int) -> list[str]:
    """Single-use 20%-off coupon codes for the newsletter."""
    codes = []
    for _ in range(n):
        # expect: insecure-random
        value = random.getrandbits(48)
        codes.append(f"SAVE20-{value:012X}")
    return codes


def synthetic_dataset(rows: int, seed: int = 42) -> np.ndarray:
    """Synthetic data for the load-test fixtures."""
    # ok: insecure-random -- seeded generator for reproducible test data
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 8))


def salt_for_export() -> bytes:
    """Salt for hashing user ids in the analytics export."""
    # expect: insecure-random
    return np.random.bytes(16)


def pick_winner(entries: list[str]) -> str:
    """Draw the winner of the monthly prize raffle (cash prize, publicly announced)."""
    # expect: insecure-random @raffle
    random.seed(time.time())
    # expect: insecure-random @raffle
    return random.choice(entries)
