"""Reform effects across the accepted assumption sets: a stochastic interval and a parameter band for each.

Why two numbers: the t-interval of a paired comparison says how sure we are *given* the assumptions
(replication noise); the band across accepted assumption sets says how much the answer moves with
assumptions the observations do not pin down. Each set is a full paired comparison with common
random numbers; the effect of a lever on a metric is reported as the mean over sets, the median
within-set 95 % half-width, and the 5-95 % band of the per-set effects. A conclusion is **robust**
when its sign holds across the band (both ends on the same side of zero).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.compare import Comparison, compare_scenarios
from sim.experiment.runner import RunOptions
from sim.scenario.loader import Overrides, load_scenario

Progress = Callable[[int, int], None]


@dataclass
class RobustComparison:
    """Paired comparisons repeated over assumption sets, and the summary of each effect."""

    base: str
    sets: list[dict[str, Any]]
    per_set: pd.DataFrame  # one row per (set, scenario, metric): the paired difference and its CI
    table: pd.DataFrame  # one row per (scenario, metric): effect, stochastic CI, parameter band, robust
    central: Comparison  # the comparison of the first set (its runs feed the usual report)


def choose_sets(sets: Sequence[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """A reproducible sample of ``n`` assumption sets (all of them when there are fewer)."""
    if len(sets) <= n:
        return list(sets)
    picks = np.random.default_rng(seed).choice(len(sets), size=n, replace=False)
    return [sets[int(i)] for i in sorted(picks)]


def summarise_effects(per_set: pd.DataFrame) -> pd.DataFrame:
    """Effect, stochastic half-width, band and robustness per (scenario, metric)."""
    rows = [
        {"scenario": scenario, "metric": metric, **_effect(g)}
        for (scenario, metric), g in per_set.groupby(["scenario", "metric"], sort=False)
    ]
    return pd.DataFrame(rows)


def _effect(g: pd.DataFrame) -> dict[str, Any]:
    """One effect over the sets (``g``: one row per set): its mean, median half-width, 5-95 % band, robustness."""
    d = g["mean_diff"].to_numpy(dtype=float)
    half = ((g["ci_high"] - g["ci_low"]) / 2).to_numpy(dtype=float)
    rel = g["relative_change"].to_numpy(dtype=float)
    band_low, band_high = (float(np.percentile(d, 5)), float(np.percentile(d, 95))) if len(d) else (np.nan,) * 2
    effect = float(np.mean(d))
    return {
        "sets": len(d),
        "base_mean": float(g["base_mean"].mean()),
        "effect": effect,
        "ci_low": effect - float(np.median(half)),
        "ci_high": effect + float(np.median(half)),
        "band_low": band_low,
        "band_high": band_high,
        "relative_effect": float(np.mean(rel)),
        "relative_band_low": float(np.percentile(rel, 5)),
        "relative_band_high": float(np.percentile(rel, 95)),
        "robust": bool((band_low > 0 and band_high > 0) or (band_low < 0 and band_high < 0)),
    }


def compare_over_assumptions(
    paths: Sequence[str | Path],
    sets: Sequence[dict[str, Any]],
    options: RunOptions,
    overrides: Overrides = None,
    progress: Progress | None = None,
) -> RobustComparison:
    """Run the paired comparison of ``paths`` (first = base) once per assumption set."""
    frames, central = [], None
    quiet = RunOptions(**{**options.__dict__, "progress": None})
    for k, assumptions in enumerate(sets):
        scenarios = [load_scenario(p, overrides, assumptions=assumptions) for p in paths]
        comp = compare_scenarios(scenarios, quiet)
        central = central or comp
        frames.append(comp.table.assign(set=k))
        if progress:
            progress(k + 1, len(sets))
    if central is None:
        raise ValueError("no assumption sets to compare over")
    per_set = pd.concat(frames, ignore_index=True)
    return RobustComparison(
        base=central.base, sets=list(sets), per_set=per_set, table=summarise_effects(per_set), central=central
    )
