"""Probability distributions for times (seconds or hours), as pydantic models with fast samplers.

A distribution is written ``{dist: exponential, mean: 30}``; a bare number means
``{dist: fixed, value: N}``. Each model knows its true mean (used as the planned
run time per item in the ISO 22400 KPIs) and returns a sampler bound to one
random stream. Samplers use only inverse transforms or CPython's documented
``random`` algorithms, so results are reproducible bit for bit.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Sampler = Callable[[], float]

DISTRIBUTIONS = ("fixed", "exponential", "normal", "lognormal", "triangular", "uniform", "weibull")


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sampler(self, rng: random.Random) -> Sampler:  # pragma: no cover - overridden
        raise NotImplementedError


class _ByMean(_Dist):
    """Given by its mean: the key ``mean`` (each subclass declares the field ``mean_`` with its bounds,
    after ``dist``, so a dump keeps the key order; ``mean`` is the property with the true mean)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_  # type: ignore[attr-defined, no-any-return]


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sampler(self, rng: random.Random) -> Sampler:
        value = self.value
        return lambda: value


class Exponential(_ByMean):
    """Exponential with the given mean (memoryless: Poisson arrivals, constant failure rate)."""

    dist: Literal["exponential"]
    mean_: float = Field(gt=0, alias="mean")

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sampler(self, rng: random.Random) -> Sampler:
        rnd, log, m = rng.random, math.log, self.mean_
        return lambda: -m * log(1.0 - rnd())


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


class Normal(_ByMean):
    """Normal(mean, sd) truncated at 0: negative draws are redrawn."""

    dist: Literal["normal"]
    mean_: float = Field(ge=0, alias="mean")
    sd: float = Field(ge=0)

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self.mean_
        a = -self.mean_ / self.sd
        return self.mean_ + self.sd * _phi(a) / (1 - _cdf(a))

    @property
    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        a = -self.mean_ / self.sd
        lam = _phi(a) / (1 - _cdf(a))
        return self.sd**2 * (1 + a * lam - lam * lam)

    def sampler(self, rng: random.Random) -> Sampler:
        mu, sd = self.mean_, self.sd
        if sd == 0:
            return lambda: mu
        rnd, log, magic = rng.random, math.log, random.NV_MAGICCONST

        def draw() -> float:
            # random.normalvariate (Kinderman & Monahan) inlined — the same draws, one call less
            # per sample on the line's hottest path; a negative value is drawn again
            while True:
                u1 = rnd()
                u2 = 1.0 - rnd()
                z = magic * (u1 - 0.5) / u2
                if z * z / 4.0 <= -log(u2):
                    x = mu + z * sd
                    if x >= 0:
                        return x

        return draw


class Lognormal(_ByMean):
    """Lognormal given by the mean and standard deviation of the time itself (not of its log)."""

    dist: Literal["lognormal"]
    mean_: float = Field(gt=0, alias="mean")
    sd: float = Field(ge=0)

    @property
    def variance(self) -> float:
        return self.sd**2

    def sampler(self, rng: random.Random) -> Sampler:
        sigma2 = math.log(1 + (self.sd / self.mean_) ** 2)
        mu, sigma = math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)
        normal, exp = rng.normalvariate, math.exp
        return lambda: exp(normal(mu, sigma))


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("needs low <= mode <= high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, b, c = self.low, self.high, self.mode
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sampler(self, rng: random.Random) -> Sampler:
        low, high, mode, tri = self.low, self.high, self.mode, rng.triangular
        if low == high:
            return lambda: low
        return lambda: tri(low, high, mode)


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError("needs low <= high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sampler(self, rng: random.Random) -> Sampler:
        low, span, rnd = self.low, self.high - self.low, rng.random
        return lambda: low + span * rnd()


class Weibull(_Dist):
    """Weibull(shape k, scale); k < 1 infant mortality, k = 1 exponential, k > 1 wear-out."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def variance(self) -> float:
        g1 = math.gamma(1 + 1 / self.shape)
        g2 = math.gamma(1 + 2 / self.shape)
        return self.scale**2 * (g2 - g1 * g1)

    def sampler(self, rng: random.Random) -> Sampler:
        rnd, log, scale, inv = rng.random, math.log, self.scale, 1.0 / self.shape
        return lambda: scale * (-log(1.0 - rnd())) ** inv


def _shorthand(value: Any) -> Any:
    """A bare number is a fixed time; a bool is never a number here."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


_Any = Annotated[
    Fixed | Exponential | Normal | Lognormal | Triangular | Uniform | Weibull,
    Field(discriminator="dist"),
]
Distribution = Annotated[_Any, BeforeValidator(_shorthand)]
"""Any supported distribution (processing times, repair times, interarrival times)."""

FailureDistribution = Annotated[Exponential | Weibull, Field(discriminator="dist"), BeforeValidator(_shorthand)]
"""Time between failures: exponential or Weibull only."""
