"""Percentiles of response and resolution times when some requests are still open (censored).

Why Kaplan-Meier: a request still open when the drain ends has no end time,
only a lower bound (its age). Dropping it biases percentiles down; counting its
age as its time biases them down too. The Kaplan-Meier (life-table) estimator
uses each open request as "survived at least this long". On binned data it is
the actuarial life table: in bin k with d_k ends and c_k censorings among n_k
requests at risk, S drops by the factor 1 - d_k / (n_k - c_k / 2). With no
censoring it equals the empirical distribution, so nothing changes for a run
whose every request finished.
"""

from __future__ import annotations

import math

import numpy as np


def survival_curve(events: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """S after each bin (length = bins) from per-bin event and censoring counts."""
    events = np.asarray(events, dtype=float)
    censored = np.asarray(censored, dtype=float)
    total = events.sum() + censored.sum()
    if total == 0:
        return np.ones(len(events))
    left_before = total - np.concatenate([[0.0], np.cumsum(events + censored)[:-1]])
    at_risk = left_before - censored / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
    return np.cumprod(1.0 - np.clip(hazard, 0.0, 1.0))


def km_quantile(events: np.ndarray, censored: np.ndarray, edges: np.ndarray, q: float) -> float:
    """The q-quantile (0-1) of binned times with censoring, interpolating linearly within the bin.

    NaN when the survival curve never falls to 1 - q (too many requests still open to say).
    """
    if np.asarray(events).sum() == 0:
        return math.nan
    s_after = survival_curve(events, censored)
    f_after = 1.0 - s_after
    k = int(np.searchsorted(f_after, q - 1e-12, side="left"))
    if k >= len(f_after):
        return math.nan
    f_before = f_after[k - 1] if k > 0 else 0.0
    step = f_after[k] - f_before
    frac = (q - f_before) / step if step > 0 else 0.0
    return float(edges[k] + min(max(frac, 0.0), 1.0) * (edges[k + 1] - edges[k]))
