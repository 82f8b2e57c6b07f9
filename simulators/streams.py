"""Independent, reproducible random streams (common random numbers).

Every stochastic element draws from its own ``random.Random`` whose seed is
derived with SHA-256 from (seed, replication, element, purpose). Changing one
station therefore never reshuffles another station's draws, and the same
inputs give the same numbers on every run and platform (never ``hash()``,
which is salted per process).
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(seed: int, element: str, purpose: str, replication: int = 0) -> int:
    """A 64-bit seed for one element's purpose in one replication."""
    key = f"zhizao\x1f{int(seed)}\x1f{int(replication)}\x1f{element}\x1f{purpose}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def stream(seed: int, element: str, purpose: str, replication: int = 0) -> random.Random:
    """A private Mersenne-Twister stream for ``element``/``purpose``."""
    return random.Random(derive_seed(seed, element, purpose, replication))
