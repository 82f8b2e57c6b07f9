"""CPython's random draws for the maintenance model, in batches with numpy, the same floats.

``random.Random(seed)`` and numpy's legacy ``RandomState`` seeded with the same 32-bit words are
the same MT19937 stream with the same 53-bit doubles, so a batch of ``random()`` values is one
numpy call. Kept values use only operations numpy computes exactly as Python does (+ − × ÷ on
float64, comparisons); numpy's log, exp and power may differ from libm's in the last bit (SIMD
code, which varies with the CPU), so they only decide rejection tests, and a test that falls
within ``MARGIN`` of its bound is decided again with ``math``, as the per-draw code does.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from itertools import repeat
from random import Random

import numpy as np

MARGIN = 1e-9  # numpy's log/exp/power are within a few ulps (≈ 1e-15 relative) of libm's
NV_MAGICCONST = 4 * math.exp(-0.5) / math.sqrt(2.0)  # random.normalvariate's constant
_KM_ACCEPTED = 0.73  # share of Kinderman–Monahan attempts accepted (√(πe)/4 ≈ 0.7306)

_local = threading.local()  # one numpy generator per thread, re-seeded for every batch


def _seeded(seed: int) -> np.random.RandomState:
    """The generator in the state ``random.Random(seed)`` starts in (init_by_array over the
    seed's 32-bit words, low word first, as CPython splits it)."""
    try:
        mt = _local.mt
    except AttributeError:
        mt = _local.mt = np.random.RandomState(0)
    seed = abs(seed)
    words = []
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if not seed:
            break
    mt.seed(words)
    return mt


def normals(seed: int, count: int) -> np.ndarray:
    """The first ``count`` values ``random.Random(seed).normalvariate(0.0, 1.0)`` returns, one call
    after another: CPython's Kinderman–Monahan loop, attempts on consecutive pairs (u1, 1 − u2)."""
    mt = _seeded(seed)
    batches = []
    have = 0
    while have < count:
        attempts = int((count - have) / _KM_ACCEPTED * 1.02) + 32
        batches.append(_km_accepted(mt.random_sample(2 * attempts).reshape(attempts, 2)))
        have += len(batches[-1])
    return np.concatenate(batches)[:count] + 0.0  # normalvariate returns mu + z * sigma: never -0.0


def _km_accepted(u: np.ndarray) -> np.ndarray:
    """The z's of the accepted Kinderman–Monahan attempts, in order; ``u`` holds an attempt's two
    ``random()`` values per row (u1, and u2 = 1 − the second)."""
    u2 = 1.0 - u[:, 1]
    z = u[:, 0] - 0.5
    z *= NV_MAGICCONST
    z /= u2
    lhs = z * z
    lhs /= 4.0
    gap = np.log(u2)
    gap += lhs  # accepted if z*z/4 <= -log(u2): gap <= 0, unless within a hair of 0
    accept = gap <= 0.0
    for i in np.flatnonzero(np.abs(gap) <= MARGIN).tolist():  # absolute: both sides are below 40
        accept[i] = float(lhs[i]) <= -math.log(float(u2[i]))
    return z[accept]


class SensorNoise:
    """A part's sensor noise: its stream's normal draws, three per reading (vibration,
    temperature, current), handed out in order. Drawn one reading at a time (a part with few
    readings) until a block of readings asks for a batch; from then on in batches, computed again
    from the stream's start (the same draws) whenever more are needed."""

    def __init__(self, seed: int, expected: int = 0) -> None:
        self.seed = seed
        self.expected = expected  # readings the part is likely to take: the first batch's size
        self._z: np.ndarray | None = None
        self._random: Callable[[], float] | None = None
        self.used = 0  # draws handed out

    def peek(self, readings: int) -> np.ndarray:
        """The next ``readings`` readings' draws (rows of three), not yet taken."""
        need = self.used + 3 * readings
        if self._z is None or need > len(self._z):
            self._z = normals(self.seed, max(need, 2 * len(self._z) if self._z is not None else 3 * self.expected))
        return self._z[self.used:need].reshape(readings, 3)

    def skip(self, readings: int) -> None:
        self.used += 3 * readings

    def three(self) -> tuple[float, float, float] | list[float]:
        """The next reading's three draws: CPython's Kinderman–Monahan loop for each (the same
        draws and floats as ``normalvariate``, without its calls) until batches are drawn.
        Unrolled: a loop over the three draws cost 10-30 % more CPU."""
        i = self.used
        self.used = i + 3
        if self._z is not None:
            if i + 3 > len(self._z):
                self._z = normals(self.seed, 2 * len(self._z) + 3)
            return self._z[i:i + 3].tolist()
        random = self._random
        if random is None:
            random = self._random = Random(self.seed).random
        log = math.log
        while True:
            u1 = random()
            u2 = 1.0 - random()
            z1 = NV_MAGICCONST * (u1 - 0.5) / u2
            if z1 * z1 / 4.0 <= -log(u2):
                break
        while True:
            u1 = random()
            u2 = 1.0 - random()
            z2 = NV_MAGICCONST * (u1 - 0.5) / u2
            if z2 * z2 / 4.0 <= -log(u2):
                break
        while True:
            u1 = random()
            u2 = 1.0 - random()
            z3 = NV_MAGICCONST * (u1 - 0.5) / u2
            if z3 * z3 / 4.0 <= -log(u2):
                break
        return 0.0 + z1, 0.0 + z2, 0.0 + z3  # normalvariate returns mu + z * sigma


def gamma_path(seed: int, shape: float, scale: float, max_steps: int) -> np.ndarray:
    """The wear path 0, w1, w2, … up to the first value ≥ 1 (or ``max_steps`` steps), each
    increment what ``random.Random(seed).gammavariate(shape, scale)`` returns call after call, for
    0 < shape < 1: CPython's algorithm GS, attempts on consecutive pairs (u, v); the increments'
    sums added one after another, as ``w += x * scale`` does."""
    mt = _seeded(seed)
    b = (math.e + shape) / math.e
    # steps to reach 1: about 1 / (shape·scale), with a coefficient of variation of about √scale
    expected = 1.0 / (shape * scale)
    attempts = int(min(expected * (1.02 + math.sqrt(scale)), max_steps)) + 64
    path = [np.zeros(1)]
    w, steps = 0.0, 0
    while True:
        p, accept, x = _gs_attempts(mt.random_sample(2 * attempts).reshape(attempts, 2), b, shape)
        chosen = p[accept][:max_steps - steps]
        approx = x[accept][:len(chosen)] * scale
        # exact increments (libm's pow and log, as the per-draw code) up to a little past where the
        # approximate ones reach 1, all of them if the exact sum has not reached 1 there
        n = min(int(np.searchsorted(np.add.accumulate(approx) + w, 1.0)) + 16, len(chosen))
        while True:
            sums, end = _sums(chosen[:n], approx[:n], w, b, shape, scale)
            if end < n or n == len(chosen):
                break
            n = len(chosen)
        if end < n:
            path.append(sums[:end + 1])
            break
        path.append(sums)
        steps += n
        if steps >= max_steps:
            break
        w = float(sums[-1]) if n else w
        attempts = int(expected * 0.3) + 64
    return np.concatenate(path)


def _gs_attempts(u: np.ndarray, b: float, shape: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Algorithm GS's attempts, an attempt's two ``random()`` values per row of ``u``: p = b·u,
    whether each is accepted, and its x by numpy (libm's may differ in the last bit)."""
    p = b * u[:, 0]
    v = u[:, 1]
    x = p ** (1.0 / shape)  # x = p**(1/shape) if p <= 1, else -log((b - p) / shape): rare
    bound = np.exp(-x)  # accepted if v <= exp(-x), else if v <= x**(shape - 1)
    high = np.flatnonzero(p > 1.0)
    if len(high):
        x[high] = xh = -np.log((b - p[high]) / shape)
        bound[high] = xh ** (shape - 1.0)
    gap = v - bound
    accept = gap <= 0.0
    for i in np.flatnonzero(np.abs(gap) <= MARGIN * bound).tolist():
        accept[i] = _gs_accepts(float(p[i]), float(v[i]), b, shape)
    return p, accept, x


def _sums(p: np.ndarray, approx: np.ndarray, w: float, b: float, shape: float, scale: float,
          ) -> tuple[np.ndarray, int]:
    """The running sums w + x·scale, added one after another, for the accepted attempts ``p``
    (``approx``: their increments by numpy), and the index of the first sum ≥ 1 (``len(p)`` if
    none). Most increments are below a fifth of the spacing of the floats at the running sum,
    so adding them leaves it unchanged whatever their last bits: those are taken as 0, libm's
    pow is called for the others, and the assumption is checked on the exact sums."""
    inv_shape = 1.0 / shape
    before = np.concatenate(([w], np.add.accumulate(approx)[:-1] + w))
    for tiny in (approx < 0.2 * np.spacing(before), np.zeros(len(p), dtype=bool)):
        big = np.flatnonzero(~tiny)
        x = np.array(list(map(pow, p[big].tolist(), repeat(inv_shape))))
        for i in np.flatnonzero(p[big] > 1.0).tolist():
            x[i] = -math.log((b - float(p[big[i]])) / shape)
        inc = np.zeros(len(p))
        inc[big] = x * scale
        sums = np.add.accumulate(np.concatenate(([w], inc)))
        if (approx[tiny] < 0.2 * np.spacing(sums[:-1][tiny])).all():
            break
    return sums[1:], int(np.searchsorted(sums[1:], 1.0))


def _gs_accepts(p: float, v: float, b: float, shape: float) -> bool:
    """Algorithm GS's test for one attempt, as CPython computes it."""
    if p <= 1.0:
        return v <= math.exp(-(p ** (1.0 / shape)))
    return v <= (-math.log((b - p) / shape)) ** (shape - 1.0)
