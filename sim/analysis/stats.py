"""Statistics over independent replications: intervals, comparisons, run length, warm-up.

Why these functions exist: every number the report shows is a mean over replications, so it
must come with a confidence interval, and every scenario comparison must say whether the
difference is distinguishable from noise. Replications of two scenarios share random streams
(common random numbers), so the paired-t interval is the primary comparison;
:func:`independent_difference` (Welch) is kept so the variance reduction can be shown.

Conventions: non-finite values (NaN, +-inf) are dropped before anything is computed, and
``n`` always counts the values actually used. Quantities that need a sample variance are NaN
when fewer than two values remain, rather than raising, so that one degenerate metric does not
stop a whole summary table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = [
    "independent_difference",
    "mser",
    "paired_difference",
    "relative_half_width",
    "replications_needed",
    "summarise",
    "t_interval",
]

NAN = float("nan")
#: Columns of a replications table that identify a run and are not metrics.
ID_COLUMNS = ("replication", "seed", "point")


def _finite(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Return the finite values as a float array (the sample every statistic is based on)."""
    arr = np.asarray(values, dtype=float).ravel()
    return arr[np.isfinite(arr)]


def _check_confidence(confidence: float) -> None:
    """Reject confidence levels outside (0, 1) early: scipy would silently return NaN."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def t_interval(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = 0.95) -> dict[str, Any]:
    """Student-t confidence interval for the mean of independent replications.

    Returns ``mean``, ``ci_low``, ``ci_high``, ``std`` (sample, ddof=1), ``n`` and
    ``half_width``. With ``n < 2`` the variance is unknown, so everything but ``mean`` and
    ``n`` is NaN (``mean`` is NaN too when ``n == 0``).
    """
    _check_confidence(confidence)
    x = _finite(values)
    n = int(x.size)
    mean = float(x.mean()) if n else NAN
    if n < 2:
        return {"mean": mean, "ci_low": NAN, "ci_high": NAN, "std": NAN, "n": n, "half_width": NAN}
    std = float(x.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2.0, n - 1) * std / math.sqrt(n))
    return {
        "mean": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "std": std,
        "n": n,
        "half_width": half,
    }


def summarise(
    df: pd.DataFrame, metrics: list[str] | None = None, confidence: float = 0.95
) -> dict[str, dict[str, Any]]:
    """Apply :func:`t_interval` to each metric column of a replications table.

    The table has one row per replication. Without ``metrics``, every numeric (non-boolean)
    column is used except the run identifiers in :data:`ID_COLUMNS`.
    """
    if metrics is None:
        metrics = [
            str(c)
            for c in df.columns
            if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
    missing = [m for m in metrics if m not in df.columns]
    if missing:
        raise KeyError(f"metrics not in table: {missing}")
    return {m: t_interval(df[m].to_numpy(dtype=float), confidence) for m in metrics}


def _difference_result(mean_diff: float, half: float, base_mean: float, p_value: float, **extra: Any) -> dict[str, Any]:
    """Assemble the common keys of a two-scenario comparison."""
    ci_low, ci_high = mean_diff - half, mean_diff + half
    rel = mean_diff / base_mean if np.isfinite(base_mean) and base_mean != 0 else NAN
    excludes = bool(np.isfinite(ci_low) and np.isfinite(ci_high) and (ci_low > 0 or ci_high < 0))
    return {
        "mean_diff": mean_diff,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "half_width": half,
        **extra,
        "relative_change": rel,
        "excludes_zero": excludes,
        "p_value": p_value,
    }


def paired_difference(
    base: Sequence[float] | np.ndarray | pd.Series,
    other: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Paired-t comparison of ``other - base`` over replications that share random streams.

    Replication *i* of both scenarios must use the same seed; that positive correlation is
    what makes this interval narrower than :func:`independent_difference`. Pairs in which
    either value is non-finite are dropped. Returns ``mean_diff``, ``ci_low``, ``ci_high``,
    ``half_width``, ``std`` (of the differences), ``n`` (pairs), ``relative_change``
    (``mean_diff / mean(base)``, NaN if that mean is 0), ``excludes_zero`` and ``p_value``
    (two-sided, :func:`scipy.stats.ttest_rel`).
    """
    _check_confidence(confidence)
    b = np.asarray(base, dtype=float).ravel()
    o = np.asarray(other, dtype=float).ravel()
    if b.shape != o.shape:
        raise ValueError(f"paired samples differ in length: {b.size} vs {o.size}")
    keep = np.isfinite(b) & np.isfinite(o)
    b, o = b[keep], o[keep]
    d = o - b
    ti = t_interval(d, confidence)
    n = ti["n"]
    base_mean = float(b.mean()) if n else NAN
    if n < 2:
        p = NAN
    elif ti["std"] == 0.0:
        # scipy returns NaN for a zero-variance difference; the limit is unambiguous.
        p = 1.0 if ti["mean"] == 0.0 else 0.0
    else:
        p = float(sps.ttest_rel(o, b).pvalue)
    return _difference_result(ti["mean"], ti["half_width"], base_mean, p, std=ti["std"], n=n)


def independent_difference(
    base: Sequence[float] | np.ndarray | pd.Series,
    other: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Welch (unequal-variance) interval for ``mean(other) - mean(base)``.

    Treats the two samples as independent, ignoring any common random numbers; use it to show
    how much :func:`paired_difference` gains, or for samples that were not run with shared
    seeds. Returns the same comparison keys as :func:`paired_difference` plus ``se``, ``df``
    (Welch-Satterthwaite degrees of freedom), ``n_base`` and ``n_other``.
    """
    _check_confidence(confidence)
    b, o = _finite(base), _finite(other)
    nb, no = int(b.size), int(o.size)
    extra: dict[str, Any] = {"n_base": nb, "n_other": no}
    if nb < 2 or no < 2:
        mean_diff = float(o.mean() - b.mean()) if nb and no else NAN
        base_mean = float(b.mean()) if nb else NAN
        return _difference_result(mean_diff, NAN, base_mean, NAN, se=NAN, df=NAN, **extra)
    vb, vo = b.var(ddof=1) / nb, o.var(ddof=1) / no
    se = math.sqrt(vb + vo)
    mean_diff = float(o.mean() - b.mean())
    if se == 0.0:
        half, dof = 0.0, float(nb + no - 2)
        p = 1.0 if mean_diff == 0.0 else 0.0
    else:
        dof = (vb + vo) ** 2 / (vb**2 / (nb - 1) + vo**2 / (no - 1))
        half = float(sps.t.ppf(0.5 + confidence / 2.0, dof) * se)
        p = float(sps.ttest_ind(o, b, equal_var=False).pvalue)
    return _difference_result(mean_diff, half, float(b.mean()), p, se=se, df=float(dof), **extra)


def relative_half_width(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = 0.95) -> float:
    """Half width of the t interval divided by ``|mean|``: the precision the report targets.

    ``inf`` when it cannot be estimated (fewer than two values) or is unbounded (mean 0).
    """
    ti = t_interval(values, confidence)
    if ti["n"] < 2 or ti["mean"] == 0.0:
        return math.inf
    return float(ti["half_width"] / abs(ti["mean"]))


def replications_needed(
    values: Sequence[float] | np.ndarray | pd.Series,
    target_relative_half_width: float,
    confidence: float = 0.95,
) -> int:
    """Estimate how many replications give the target relative half width.

    Classic approximation (Law, *Simulation Modeling and Analysis*, 5th ed., §9.4.1):
    ``n* = ceil(n * (h / target)^2)`` where ``h`` is the current relative half width. It
    ignores the change of the t quantile with ``n``, so it is an estimate to plan the next
    batch of runs, never less than the replications already made.

    Raises ``ValueError`` when the estimate is undefined: fewer than two finite values, a
    mean of exactly 0 (relative precision is meaningless), or a non-positive target.
    """
    if not target_relative_half_width > 0:
        raise ValueError("target_relative_half_width must be positive")
    ti = t_interval(values, confidence)
    n = ti["n"]
    if n < 2:
        raise ValueError("need at least two finite values to estimate the variance")
    if ti["mean"] == 0.0:
        raise ValueError("mean is 0: relative half width is undefined")
    h = ti["half_width"] / abs(ti["mean"])
    # Round before ceil so that floating error in an exact ratio does not add a replication.
    needed = math.ceil(round(n * (h / target_relative_half_width) ** 2, 9))
    return int(max(n, needed))


def mser(series: Sequence[float] | np.ndarray | pd.Series, batch_size: int = 5) -> dict[str, Any]:
    """MSER-m warm-up truncation point (MSER-5 with the default ``batch_size``).

    Reference: K. P. White Jr. (1997), "An effective truncation heuristic for bias reduction
    in simulation output", *Simulation* 69(6):323-334; MSER-5 as in White, Cobb & Spratt
    (2000), Proc. Winter Simulation Conference, 755-760.

    The series (e.g. a daily backlog of one replication) is cut into ``m`` non-overlapping
    batches of ``batch_size`` observations (an incomplete last batch is dropped) and averaged
    to batch means ``Y_1..Y_m``. For each candidate truncation of ``d`` batches,
    ``MSER(d) = (1 / (m - d)^2) * sum_{j > d} (Y_j - Ybar_d)^2`` with ``Ybar_d`` the mean of the
    retained batches; the ``d`` minimising it balances removed initial bias against the
    precision lost by discarding data. Only ``d <= m // 2`` is searched, as is standard,
    because the statistic becomes erratic when few batches remain; ties pick the smallest
    ``d``.

    Returns ``truncation_index`` (``d* * batch_size``, in observations of the original
    series), ``truncation_batches`` (``d*``), ``batches`` (``m``) and ``statistic``
    (``MSER(d)`` for ``d = 0..m // 2``). Raises ``ValueError`` for non-finite data or fewer
    than two complete batches.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    y = np.asarray(series, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("series contains non-finite values")
    m = y.size // batch_size
    if m < 2:
        raise ValueError(f"need at least 2 complete batches of {batch_size}, got {y.size} points")
    means = y[: m * batch_size].reshape(m, batch_size).mean(axis=1)
    d_max = m // 2
    # MSER(d) = population variance of the retained batch means / (m - d); computed per d
    # (O(m^2), trivial at simulation output lengths) to avoid cancellation in running sums.
    statistic = np.array([means[d:].var() / (m - d) for d in range(d_max + 1)])
    d_star = int(np.argmin(statistic))
    return {
        "truncation_index": d_star * batch_size,
        "truncation_batches": d_star,
        "batches": int(m),
        "statistic": statistic,
    }
