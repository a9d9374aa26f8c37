"""Queueing-theory answers and interval checks shared by the verification tests.

Why 99 % intervals: the seeds are fixed, so a test that passes keeps passing until the model's
draws change; then every interval assertion is drawn afresh. With about twenty of them, 95 %
intervals would make a false failure likely after each such change (1 - 0.95^20 ≈ 64 %); at 99 %
it is about 18 %, and a true value outside a 99 % interval is worth a look. Each test states how
many replications it uses and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def erlang_c(c: int, offered: float) -> float:
    """Probability of waiting in M/M/c with offered load a = λ/μ (Erlang's C formula)."""
    rho = offered / c
    top = offered**c / math.factorial(c) / (1 - rho)
    return top / (sum(offered**k / math.factorial(k) for k in range(c)) + top)


def mmc_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c: C(c, a) / (c μ - λ)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def cobham_waits(c: int, lams: Sequence[float], mu: float) -> list[float]:
    """Mean waits of non-preemptive priority classes (highest first) in M/M/c with one service rate.

    Cobham (1954), as extended to c identical exponential servers:
    W_k = C(c, a) / (c μ (1 - σ_{k-1}) (1 - σ_k)), σ_k = Σ_{i ≤ k} λ_i / (c μ).
    """
    lam = sum(lams)
    base = erlang_c(c, lam / mu) / (c * mu)
    out, sigma = [], 0.0
    for lk in lams:
        before = sigma
        sigma += lk / (c * mu)
        out.append(base / ((1 - before) * (1 - sigma)))
    return out


def interval(values: Sequence[float], confidence: float = 0.99) -> tuple[float, float, float]:
    """(mean, low, high): the t-interval over independent replications."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def assert_in_interval(values: Sequence[float], expected: float, what: str, confidence: float = 0.99) -> None:
    mean, low, high = interval(values, confidence)
    assert low <= expected <= high, (
        f"{what}: expected {expected:.4f}, replications give {mean:.4f} [{low:.4f}, {high:.4f}]"
    )
