"""Durations from uniforms by inverse CDF.

Why inverse CDF: a request's uniforms are drawn once from its village's named
stream, so the same request gets the same effort in every scenario (common
random numbers), whatever else changed.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from sim.scenario.params import Distribution


def lognormal_parameters(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the log of a lognormal with this mean and coefficient of variation."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def lognormal_from_uniform(u: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """Lognormal draws from uniforms (inverse CDF), clipped so that 0 and 1 stay finite."""
    return np.exp(mu + sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12)))


def canonical(dist: Distribution) -> tuple[str, float, float, tuple[float, ...]]:
    """One parameterisation per family, shared by the scalar and the vectorised sampler.

    (kind, a, b, values): lognormal (mu, sigma of the log); uniform (low, width); exponential
    (mean, 0); fixed (value, 0); empirical (0, 0, the values). A lognormal with mean or cv 0 is
    the fixed value it degenerates to.
    """
    if dist.kind == "lognormal":
        if dist.mean > 0 and dist.cv > 0:
            return ("lognormal", *lognormal_parameters(dist.mean, dist.cv), ())
        return "fixed", dist.mean, 0.0, ()
    if dist.kind == "uniform":
        return "uniform", dist.low, dist.high - dist.low, ()
    if dist.kind == "exponential":
        return "exponential", dist.mean, 0.0, ()
    if dist.kind == "empirical":
        return "empirical", 0.0, 0.0, tuple(float(v) for v in dist.values)
    return "fixed", dist.mean, 0.0, ()


def from_uniform(dist: Distribution, u: np.ndarray) -> np.ndarray:
    """Transform uniforms on (0, 1) into draws of ``dist`` (vectorised)."""
    u = np.asarray(u, dtype=float)
    kind, a, b, values = canonical(dist)
    if kind == "fixed" or (kind == "exponential" and a == 0.0):
        return np.full(u.shape, a)
    if kind == "lognormal":
        return lognormal_from_uniform(u, a, b)
    if kind == "exponential":
        return -a * np.log1p(-np.clip(u, 0.0, 1 - 1e-16))
    if kind == "uniform":
        return a + u * b
    table = np.asarray(values, dtype=float)
    return table[np.minimum((u * len(table)).astype(np.int64), len(table) - 1)]


class Sampler:
    """Scalar inverse-CDF sampling of one distribution (hot path: no numpy arrays)."""

    __slots__ = ("a", "b", "kind", "values")

    def __init__(self, dist: Distribution) -> None:
        self.kind, self.a, self.b, values = canonical(dist)
        self.values = list(values)

    def __call__(self, u: float) -> float:
        if self.kind == "lognormal":
            return math.exp(self.a + self.b * float(ndtri(min(max(u, 1e-12), 1 - 1e-12))))
        if self.kind == "uniform":
            return self.a + u * self.b
        if self.kind == "exponential":
            return -self.a * math.log1p(-min(u, 1 - 1e-16))
        if self.kind == "empirical":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        return self.a


def mean_of(dist: Distribution) -> float:
    """The distribution's mean (for analytical checks and calibration notes)."""
    if dist.kind == "uniform":
        return (dist.low + dist.high) / 2.0
    if dist.kind == "empirical":
        return float(np.mean(dist.values))
    return dist.mean
