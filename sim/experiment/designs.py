"""Experimental designs for parameter sweeps and their sensitivity analysis.

Why one module for sampling and analysis: Morris and Sobol indices are only valid for the exact
row structure their sampler produced (trajectories, Saltelli blocks), so the code that builds a
design is kept next to the code that reads it back. A design is a plain table with one column per
factor (a dotted scenario path) and a ``point`` column; the runner applies each row to a scenario.

Sampling happens in the unit hypercube and is mapped to factor values by :meth:`Factor.from_unit`:
continuous factors linearly, discrete factors (``levels``) and integer factors by equal-width
cells so that every level is equally likely. With Morris' four-level grid that mapping never
merges the two ends of a step (for two or more levels), so elementary effects stay well defined.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from sim.analysis.stats import ID_COLUMNS

__all__ = ["Design", "Factor", "analyze", "main_effects", "make_design"]

Design = Literal["grid", "lhs", "morris", "sobol"]
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Factor:
    """One swept parameter: a dotted scenario path and either discrete levels or a range.

    ``levels`` gives a discrete factor (any values, e.g. policy names); ``low``/``high`` a
    continuous one. ``integer`` makes a continuous factor take whole numbers in
    ``[ceil(low), floor(high)]`` (and rounds numeric levels).
    """

    path: str
    levels: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        """Fail on an ambiguous or empty specification instead of guessing a range."""
        has_range = self.low is not None or self.high is not None
        if (self.levels is None) == (not has_range):
            raise ValueError(f"{self.path}: give either levels or low/high, not both or neither")
        if self.levels is not None:
            if len(self.levels) == 0:
                raise ValueError(f"{self.path}: levels is empty")
            if self.integer:
                object.__setattr__(self, "levels", [int(np.floor(float(v) + 0.5)) for v in self.levels])
            return
        if self.low is None or self.high is None:
            raise ValueError(f"{self.path}: continuous factor needs both low and high")
        if not self.low <= self.high:
            raise ValueError(f"{self.path}: low {self.low} > high {self.high}")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"{self.path}: no integer in [{self.low}, {self.high}]")

    @property
    def discrete(self) -> bool:
        """True when the factor takes listed levels."""
        return self.levels is not None

    def grid_levels(self, n: int) -> list[Any]:
        """Levels of a full-factorial grid: the listed levels, or ``n`` evenly spaced values."""
        if self.levels is not None:
            return list(self.levels)
        assert self.low is not None and self.high is not None
        values = np.linspace(self.low, self.high, n)
        if self.integer:
            # Rounding can repeat a value; a repeated grid level would only duplicate points.
            return [int(v) for v in np.unique(np.floor(values + 0.5))]
        return [float(v) for v in values]

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map unit-interval coordinates to factor values (equal-probability cells if discrete)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.levels is not None:
            return [self.levels[i] for i in _cell(u, len(self.levels))]
        assert self.low is not None and self.high is not None
        if self.integer:
            lo, hi = math.ceil(self.low), math.floor(self.high)
            return [int(lo + i) for i in _cell(u, hi - lo + 1)]
        return [float(v) for v in self.low + u * (self.high - self.low)]

    def numeric(self, values: pd.Series) -> np.ndarray:
        """Numeric encoding for regression/Morris: values, or level index for non-numeric levels."""
        if self.levels is not None and not all(_is_number(v) for v in self.levels):
            index = {_key(v): i for i, v in enumerate(self.levels)}
            return np.array([index[_key(v)] for v in values], dtype=float)
        return values.to_numpy(dtype=float)


def _cell(u: np.ndarray, k: int) -> np.ndarray:
    """Index of the equal-width cell of ``[0, 1]`` holding ``u`` (``k`` cells, 1 goes to the last).

    The tiny offset keeps values such as 2/3 * 3 that land a rounding error below a cell edge
    in the intended cell.
    """
    return np.minimum(np.floor(u * k + 1e-9), k - 1).astype(int)


def _is_number(v: Any) -> bool:
    """True for ints, floats and bools (numpy included), which regress on their value."""
    return isinstance(v, (int, float, np.integer, np.floating, np.bool_))


def _key(v: Any) -> Any:
    """Hashable lookup key for a level (lists/dicts as levels are compared by their repr)."""
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


def _problem(factors: list[Factor]) -> dict[str, Any]:
    """SALib problem in the unit hypercube; factor scaling is done by :meth:`Factor.from_unit`."""
    return {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def _check_factors(factors: list[Factor]) -> None:
    """Factors must be non-empty and uniquely named (paths become column names)."""
    if not factors:
        raise ValueError("no factors")
    paths = [f.path for f in factors]
    if len(set(paths)) != len(paths) or "point" in paths:
        raise ValueError(f"factor paths must be unique and not 'point': {paths}")


def make_design(factors: list[Factor], design: Design, n: int, seed: int) -> pd.DataFrame:
    """Build a design table: a ``point`` column (0..N-1) and one column per factor path.

    ``n`` means: grid, levels per continuous factor (full factorial with listed levels);
    lhs, number of points (``scipy.stats.qmc.LatinHypercube``); morris, number of trajectories
    (``N = n * (k + 1)`` rows, 4-level grid); sobol, Saltelli base samples without second-order
    terms (``N = n * (k + 2)`` rows; SALib warns unless ``n`` is a power of 2). The same seed
    gives the same table; row order matters for Morris and Sobol analysis.
    """
    _check_factors(factors)
    if n < 1:
        raise ValueError("n must be >= 1")
    if design == "grid":
        combos = list(itertools.product(*(f.grid_levels(n) for f in factors)))
        columns: dict[str, list[Any]] = {f.path: [c[i] for c in combos] for i, f in enumerate(factors)}
    else:
        if design == "lhs":
            unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
        elif design == "morris":
            unit = morris_sample.sample(_problem(factors), n, num_levels=MORRIS_LEVELS, seed=seed)
        elif design == "sobol":
            unit = sobol_sample.sample(_problem(factors), n, calc_second_order=False, seed=seed)
        else:
            raise ValueError(f"unknown design {design!r}")
        columns = {f.path: f.from_unit(unit[:, i]) for i, f in enumerate(factors)}
    table = pd.DataFrame(columns)
    table.insert(0, "point", np.arange(len(table), dtype=int))
    return table


def _aligned_outputs(design_df: pd.DataFrame, outputs: pd.DataFrame, factors: list[Factor]) -> pd.DataFrame:
    """Metric columns of ``outputs`` in design-row order.

    If both tables carry ``point``, outputs are averaged per point (one row per replication is
    fine) and matched on it; a point without output gets NaN. Otherwise rows are matched by
    position and the lengths must agree. Metrics are the numeric, non-boolean columns that are
    neither a run identifier (``point``, ``replication``, ``seed``) nor a factor path.
    """
    skip = {*ID_COLUMNS, *(f.path for f in factors)}
    metrics = [
        c
        for c in outputs.columns
        if c not in skip and pd.api.types.is_numeric_dtype(outputs[c]) and not pd.api.types.is_bool_dtype(outputs[c])
    ]
    if not metrics:
        raise ValueError("outputs has no numeric metric columns")
    if "point" in outputs.columns and "point" in design_df.columns:
        per_point = outputs.groupby("point")[metrics].mean()
        return per_point.reindex(design_df["point"].to_numpy()).reset_index(drop=True)
    if len(outputs) != len(design_df):
        raise ValueError(f"outputs has {len(outputs)} rows, design has {len(design_df)}")
    return outputs[metrics].reset_index(drop=True).astype(float)


def _group_labels(factor: Factor, column: pd.Series, bins: int | None) -> tuple[pd.Series, pd.Series]:
    """Group key and plotted level per row: the value itself, or a quantile bin and its centre."""
    if factor.discrete or bins is None or column.nunique() <= bins:
        return column.map(_key), column
    x = column.astype(float)
    codes = pd.qcut(x, bins, labels=False, duplicates="drop")
    centres = x.groupby(codes).transform("mean")
    return codes, centres


def main_effects(
    design_df: pd.DataFrame, factors: list[Factor], outputs: pd.DataFrame, bins: int | None = 4
) -> pd.DataFrame:
    """Mean of each metric per level of each factor, for main-effect plots.

    Discrete factors, and continuous ones with at most ``bins`` distinct values (a grid), are
    grouped by value; other continuous factors are cut into ``bins`` quantile bins whose
    ``level`` is the mean factor value in the bin. ``bins=None`` always groups by value.
    Columns: ``factor``, ``level``, ``metric``, ``mean``, ``n`` (rows with a finite output).
    """
    _check_factors(factors)
    out = _aligned_outputs(design_df, outputs, factors)
    rows: list[dict[str, Any]] = []
    for f in factors:
        keys, levels = _group_labels(f, design_df[f.path].reset_index(drop=True), bins)
        rows += _level_means(f, keys, levels, out)
    return pd.DataFrame(rows, columns=["factor", "level", "metric", "mean", "n"])


def _level_means(f: Factor, keys: pd.Series, levels: pd.Series, out: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per (metric, level) of one factor, in the factor's level order."""
    order = [_key(v) for v in f.levels] if f.levels is not None else sorted(keys.dropna().unique())
    first_level = levels.groupby(keys, sort=False).first()
    rows = []
    for metric in out.columns:
        grouped = out[metric].groupby(keys, sort=False)
        means, counts = grouped.mean(), grouped.count()
        rows += [
            {"factor": f.path, "level": first_level[k], "metric": metric, "mean": float(means[k]), "n": int(counts[k])}
            for k in order
            if k in means.index
        ]
    return rows


def _src(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Standardized regression coefficients of ``y`` on the columns of ``x`` (NaN if constant)."""
    sx, sy = x.std(axis=0), y.std()
    coef = np.full(x.shape[1], np.nan)
    usable = sx > 0
    if sy == 0 or not usable.any() or x.shape[0] <= usable.sum() + 1:
        return coef
    z = (x[:, usable] - x[:, usable].mean(axis=0)) / sx[usable]
    coef[usable] = np.linalg.lstsq(z, (y - y.mean()) / sy, rcond=None)[0]
    return coef


def _regression_rows(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_boot: int, conf_level: float
) -> dict[str, np.ndarray]:
    """SRC per factor with a percentile bootstrap interval over design rows."""
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    src = _src(x, y)
    low = high = np.full_like(src, np.nan)
    if len(y) and n_boot > 0:
        boot = np.array([_src(x[idx], y[idx]) for idx in rng.integers(0, len(y), (n_boot, len(y)))])
        alpha = (1.0 - conf_level) / 2.0
        defined = ~np.isnan(boot).all(axis=0)
        low, high = low.copy(), high.copy()
        low[defined] = np.nanquantile(boot[:, defined], alpha, axis=0)
        high[defined] = np.nanquantile(boot[:, defined], 1.0 - alpha, axis=0)
    return {"src": src, "src_ci_low": low, "src_ci_high": high}


LHS_BINS = 4  # quantile bins of a continuous factor's main effect under lhs
N_BOOT = 200  # bootstrap resamples of the regression coefficients
CONF_LEVEL = 0.95  # of every index's interval (SALib's and the bootstrap's)


def analyze(
    design_df: pd.DataFrame, factors: list[Factor], design: Design, outputs: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Sensitivity of every output metric to every factor, as a tidy table.

    One row per (metric, factor) with ``design`` and a ``rank`` per metric (1 = most
    influential) and, depending on the design:

    * morris: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (SALib elementary effects on
      the unit scale: a step of 2/3 of the range divided by 2/3, i.e. output change per whole
      range of the factor); ranked by ``mu_star``.
    * sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (SALib, Saltelli/Jansen estimators);
      ranked by ``ST``.
    * grid / lhs: ``main_effect_range`` (max - min of the metric's mean over a factor's levels,
      or over ``LHS_BINS`` quantile bins for continuous lhs factors) and ``src`` with a bootstrap
      ``src_ci_low``/``src_ci_high`` (standardized regression coefficient; non-numeric levels
      enter as their level index); ranked by ``|src|``.

    ``seed`` drives the resamples so the table is reproducible. Morris and Sobol need
    every design row: a metric with any missing output gets NaN indices and no rank instead of
    stopping the analysis of the other metrics; so does a constant metric under Sobol (its
    variance decomposition is 0/0) and under SRC. Under Morris a constant metric is simply 0.
    """
    _check_factors(factors)
    out = _aligned_outputs(design_df, outputs, factors)
    names = [f.path for f in factors]
    rng = np.random.default_rng(seed)
    x = np.column_stack([f.numeric(design_df[f.path].reset_index(drop=True)) for f in factors])
    ctx = _Analysis(design_df, factors, design, x, seed, rng)
    frames: list[pd.DataFrame] = []
    for metric in out.columns:
        values, key = _indices(ctx, out, metric)
        frame = pd.DataFrame({"metric": metric, "factor": names, "design": design, **values})
        frame["rank"] = pd.Series(key).rank(ascending=False, method="min").astype("Int64")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class _Analysis:
    """What the analysis of every metric shares: the design, its numeric inputs, the seed, one generator."""

    design_df: pd.DataFrame
    factors: list[Factor]
    design: Design
    x: np.ndarray  # the factors' numeric encoding, one column each
    seed: int  # SALib's resamples
    rng: np.random.Generator  # the bootstrap's, drawn from metric after metric


Indices = tuple[dict[str, np.ndarray], np.ndarray]  # the index columns, and the one ranked


def _indices(ctx: _Analysis, out: pd.DataFrame, metric: str) -> Indices:
    """The design's indices of one metric and the values it is ranked by."""
    y = out[metric].to_numpy(dtype=float)
    if ctx.design == "morris":
        return _morris(ctx, y)
    if ctx.design == "sobol":
        return _sobol(ctx, y)
    if ctx.design in ("grid", "lhs"):
        return _regression(ctx, out[[metric]], y)
    raise ValueError(f"unknown design {ctx.design!r}")


def _morris(ctx: _Analysis, y: np.ndarray) -> Indices:
    k = len(ctx.factors)
    if len(y) % (k + 1):
        raise ValueError(f"{len(y)} rows is not a whole number of Morris trajectories")
    cols = ["mu", "mu_star", "mu_star_conf", "sigma"]
    if np.all(np.isfinite(y)):
        res = morris_analyze.analyze(
            _problem(ctx.factors),
            ctx.x,
            y,
            conf_level=CONF_LEVEL,
            num_levels=MORRIS_LEVELS,
            seed=ctx.seed,
        )
        values = {c: np.asarray(res[c], dtype=float) for c in cols}
    else:
        values = {c: np.full(k, np.nan) for c in cols}
    return values, values["mu_star"]


def _sobol(ctx: _Analysis, y: np.ndarray) -> Indices:
    k = len(ctx.factors)
    if len(y) % (k + 2):
        raise ValueError(f"{len(y)} rows is not a whole number of Saltelli blocks")
    cols = ["S1", "S1_conf", "ST", "ST_conf"]
    if np.all(np.isfinite(y)) and np.ptp(y) > 0:
        res = sobol_analyze.analyze(
            _problem(ctx.factors), y, calc_second_order=False, conf_level=CONF_LEVEL, seed=ctx.seed
        )
        values = {c: np.asarray(res[c], dtype=float) for c in cols}
    else:
        values = {c: np.full(k, np.nan) for c in cols}
    return values, values["ST"]


def _regression(ctx: _Analysis, column: pd.DataFrame, y: np.ndarray) -> Indices:
    """Main-effect range and standardized regression coefficients (grid, lhs)."""
    bins = None if ctx.design == "grid" else LHS_BINS
    effects = main_effects(ctx.design_df, ctx.factors, column, bins=bins)
    span = effects.groupby("factor")["mean"].agg(lambda s: s.max() - s.min())
    values = {"main_effect_range": span.reindex([f.path for f in ctx.factors]).to_numpy(dtype=float)}
    values.update(_regression_rows(ctx.x, y, ctx.rng, N_BOOT, CONF_LEVEL))
    return values, np.abs(values["src"])
