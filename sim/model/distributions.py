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


def from_uniform(dist: Distribution, u: np.ndarray) -> np.ndarray:
    """Transform uniforms on (0, 1) into draws of ``dist`` (vectorised)."""
    u = np.asarray(u, dtype=float)
    if dist.kind == "fixed" or (dist.kind in ("lognormal", "exponential") and dist.mean == 0.0):
        return np.full(u.shape, dist.mean)
    if dist.kind == "lognormal":
        if dist.cv == 0.0:
            return np.full(u.shape, dist.mean)
        mu, sigma = lognormal_parameters(dist.mean, dist.cv)
        return np.exp(mu + sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12)))
    if dist.kind == "exponential":
        return -dist.mean * np.log1p(-np.clip(u, 0.0, 1 - 1e-16))
    if dist.kind == "uniform":
        return dist.low + u * (dist.high - dist.low)
    values = np.asarray(dist.values, dtype=float)
    return values[np.minimum((u * len(values)).astype(np.int64), len(values) - 1)]


def mean_of(dist: Distribution) -> float:
    """The distribution's mean (for analytical checks and calibration notes)."""
    if dist.kind == "uniform":
        return (dist.low + dist.high) / 2.0
    if dist.kind == "empirical":
        return float(np.mean(dist.values))
    return dist.mean
