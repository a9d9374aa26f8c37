"""Scaling with villages and days: the cost must stay linear."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
from bench_common import BASELINE, Mode, load_scenario_file, run_child

# ====================================================================== scaling


def county_sizes() -> dict[str, int]:
    from sim.model.world import read_counties

    table = read_counties(load_scenario_file(BASELINE).world.counties_csv)
    return dict(zip(table["county"], table["villages_and_communities"].astype(int), strict=True))


def county_subset(sizes: dict[str, int], fraction: float) -> list[str]:
    """The subset of whole counties whose village count is closest to ``fraction`` of the city.

    Why whole counties: the county is the unit of work (one task), so a fraction of
    the city must be a set of counties; ties go to fewer counties, then names.
    """
    target = fraction * sum(sizes.values())
    names = sorted(sizes)
    best: tuple[float, int, list[str]] | None = None
    for k in range(1, len(names) + 1):
        for combo in combinations(names, k):
            key = (abs(sum(sizes[c] for c in combo) - target), k, list(combo))
            if best is None or key < best:
                best = key
    assert best is not None
    return best[2]


def fit_line(xs: list[float], ys: list[float]) -> dict[str, float]:
    """Least squares ``y = a + b x`` and the log-log exponent (1.0: cost proportional to x; < 1: fixed costs)."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    b, a = np.polyfit(x, y, 1)
    exponent = float(np.polyfit(np.log(x), np.log(y), 1)[0])
    return {"slope": float(b), "intercept_s": float(a), "r2": _r2(y, a + b * x), "loglog_exponent": exponent}


def per_village_cost(days_fit: dict[str, float], villages: int) -> dict[str, float]:
    """Cost per village split into a fixed setup and a per-day part, from the 1/8 city's days series.

    Why from the days series: at a fixed set of villages the intercept of cost
    against days is the setup (drawing inputs, calendars, tables, pool start) and
    the slope is the simulated work; a regression over sizes and horizons together
    cannot separate them reliably on a noisy machine.
    """
    return {
        "setup_s_per_village": days_fit["intercept_s"] / villages,
        "s_per_village_day": days_fit["slope"] / villages,
    }


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else math.nan


def predict(f: dict[str, float], villages: float, days: float) -> float:
    """Cost of ``villages`` for ``days`` if cost is proportional to villages (what the 10x point tests)."""
    return villages * (f["setup_s_per_village"] + f["s_per_village_day"] * days)


def measure_scaling(mode: Mode, log: Callable[[str], None]) -> dict[str, Any]:
    """Villages series (1/8 ... 1 of the city, same horizon), days series (1/8 city), and 10x the city.

    Each point runs one replication through the project's runner and process
    pool in a fresh subprocess; the whole-city point at 365 days is also the
    issue's full-city measurement.
    """
    sizes = county_sizes()
    eighth = county_subset(sizes, 1 / 8)
    plan: list[tuple[str, str, dict[str, Any], int]] = [
        (label, "villages", {"world.counties": county_subset(sizes, fraction)}, mode.scaling_days)
        for label, fraction in (("1/8", 1 / 8), ("1/4", 1 / 4), ("1/2", 1 / 2))
    ]
    plan.append(("1", "villages", {}, mode.scaling_days))
    plan += [("1/8", "days", {"world.counties": eighth}, d) for d in mode.days_series]
    if mode.big_of_eighth:
        plan.append(("10x1/8", "size", {"world.counties": eighth, "world.size_multiplier": 10}, mode.big_days))
    else:
        plan.append(("10x", "size", {"world.size_multiplier": 10}, mode.big_days))
    points = []
    for label, series, overrides, days in plan:
        log(f"  scaling {label:>4} x {days:>3} days: {overrides or 'whole city'} ...")
        spec = {"overrides": overrides, "days": days, "warmup_days": min(30, days // 6), "workers": mode.workers}
        r = run_child(spec)
        r.update(
            label=label,
            series=series,
            overrides=overrides,
            days=days,
            village_days=r["villages"] * days,
            workers=mode.workers,
        )
        points.append(r)
        log(
            f"           {r['villages']} villages, wall {r['wall_s']:.1f} s, cpu {r['cpu_s']:.1f} s, "
            f"peak worker RSS {r['peak_rss_worker_mb']:.0f} MB, background load {r['background_cores']:.2f} cores"
        )
    by_villages = [p for p in points if p["series"] == "villages"]
    by_days = [p for p in points if p["label"] == "1/8"]
    fits: dict[str, Any] = {
        "villages": {
            k: fit_line([p["villages"] for p in by_villages], [p[f"{k}_s"] for p in by_villages])
            for k in ("wall", "cpu")
        },
        "days": {k: fit_line([p["days"] for p in by_days], [p[f"{k}_s"] for p in by_days]) for k in ("wall", "cpu")},
    }
    # from the 1/8 city alone, so the 10x point (8x-80x more villages) is an out-of-sample test of linearity
    fits["cost"] = {k: per_village_cost(fits["days"][k], by_days[0]["villages"]) for k in ("wall", "cpu")}
    big = points[-1]
    for k in ("wall", "cpu"):
        fits[f"ten_x_predicted_{k}_s"] = predict(fits["cost"][k], big["villages"], big["days"])
    fits["ten_x_measured_over_predicted_cpu"] = big["cpu_s"] / fits["ten_x_predicted_cpu_s"]
    return {"points": points, "fits": fits}
