"""From one shard's raw request rows to compact tables of counts, sums and histograms.

Why sums and histograms: means and shares combine exactly across shards by
adding sums; percentiles come from log-binned histograms (100 bins a decade,
≈ 2.3 % relative resolution), so a year of two million requests travels
between processes as a few kilobytes.

Every request that arrived in the window counts. The model drains the system
after the horizon, so almost every request has an end time; a request still
open when the drain ends is *censored* at that moment: its age then enters the
mean (so the mean is a lower bound when anything is censored) and a separate
histogram, from which percentiles are Kaplan-Meier estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.escalation import ROUTE_CROSS
from sim.model.records import EDGES, ShardResult
from sim.scenario.params import ModelParams

if TYPE_CHECKING:
    from sim.model.shard import ShardOptions, ShardSpec, Tally
    from sim.model.staff_pool import Window

HOURS = 24.0
SUM_COLUMNS = [
    "arrived",
    "responded",
    "sum_first_response",
    "resolved",
    "resolved_in_window",
    "sum_resolution",
    "first_response_censored",
    "resolution_censored",
    "within24_num",
    "within24_den",
    "within_limit_num",
    "within_limit_den",
    "trips",
    "cross",
    "handoffs",
    "escalated",
    "wait_in_window",
]
TIME_METRICS = ("first_response_hours", "resolution_hours")


def request_outcomes(params: ModelParams, req: pd.DataFrame, kinds: np.ndarray, window: Window) -> pd.DataFrame:
    """Per-request outcome columns for the requests that arrived before the horizon, warm-up included.

    A request with no first response (or no resolution) by the end of the drain is censored
    there, at age ``end - arrival``.
    """
    a = req["arrival"].to_numpy()
    r = req[(a >= 0.0) & (a < window.horizon)]
    limits = np.array([t.time_limit_hours for t in params.requests.types.values()])[r["type_index"].to_numpy()]
    return pd.DataFrame(
        {
            "village": r["village"].to_numpy(),
            "type_index": r["type_index"].to_numpy(),
            "kind": kinds[r["village"].to_numpy()],
            "arrival": r["arrival"].to_numpy(),
            "urgent": r["urgent"].to_numpy(),
            "route": r["route"].to_numpy(),
            **_timed_outcomes(r, limits, window),
            **_journey_outcomes(r, window.end),
            "wait_in_window": np.minimum(r["first_response"].to_numpy(), window.horizon) - r["arrival"].to_numpy(),
        }
    )


def _timed_outcomes(r: pd.DataFrame, limits: np.ndarray, window: Window) -> dict[str, np.ndarray | int]:
    """Response and resolution times; a request unanswered by the end counts with its age then (censored)."""
    a, end = r["arrival"].to_numpy(), window.end
    fr, res = r["first_response"].to_numpy(), r["resolution_time"].to_numpy()
    responded = fr <= end  # an answer after the end of the drain is not known: censored
    resolved = res <= end
    age = end - a
    resp_time = np.where(responded, fr - a, age)  # censored requests count with their age at the end
    res_time = np.where(resolved, res - a, age)
    return {
        "first_response_hours": np.where(responded, resp_time, np.nan),
        "resolution_hours": np.where(resolved, res_time, np.nan),
        "first_response_hours_censored": np.where(responded, np.nan, age),
        "resolution_hours_censored": np.where(resolved, np.nan, age),
        "arrived": 1,
        "responded": responded.astype(np.int64),
        "sum_first_response": resp_time,
        "resolved": resolved.astype(np.int64),
        "resolved_in_window": (res < window.horizon).astype(np.int64),
        "sum_resolution": res_time,
        "first_response_censored": (~responded).astype(np.int64),
        "resolution_censored": (~resolved).astype(np.int64),
        "within24_num": (responded & (resp_time <= 24.0)).astype(np.int64),
        "within24_den": (responded | (age > 24.0)).astype(np.int64),
        "within_limit_num": (resolved & (res_time <= limits)).astype(np.int64),
        "within_limit_den": (resolved | (age > limits)).astype(np.int64),
    }


def _journey_outcomes(r: pd.DataFrame, end: float) -> dict[str, np.ndarray]:
    """Trips, cross-department hand-offs (of finished journeys only) and escalation."""
    cross = (r["route"].to_numpy() == ROUTE_CROSS) & (r["resolution_time"].to_numpy() <= end)
    return {
        "trips": r["trips"].to_numpy(),
        "cross": cross.astype(np.int64),
        "handoffs": np.where(cross, r["handoffs"].to_numpy(), 0),
        "escalated": r["escalate"].to_numpy().astype(np.int64),
    }


def _histograms(out: pd.DataFrame) -> pd.DataFrame:
    """Counts per log bin of event times and of censoring ages, by (type, kind).

    Rows come metric by metric, then by (type, kind) in sorted order, then by bin; only non-empty
    bins. Why one bincount per metric and not ``np.histogram`` per group: the same counts (a bin
    holds ``EDGES[i] <= x < EDGES[i + 1]``, the last bin its upper edge too, as ``np.histogram``
    counts with explicit edges) at under a third of the cost (52 -> 16 ms on 70 k rows); the old
    loop was about 6 % of a county's 120-day run.
    """
    groups = out.groupby(["type_index", "kind"], sort=True)
    code, keys = groups.ngroup().to_numpy(), groups.size().index
    group_type = keys.get_level_values(0).to_numpy().astype(np.int64)
    group_kind = keys.get_level_values(1).to_numpy()
    n_bins = len(EDGES) - 1
    frames = []
    for metric in (m for base in TIME_METRICS for m in (base, f"{base}_censored")):
        counts = _binned_counts(out[metric].to_numpy(), code, len(keys), n_bins)
        group, bin_ = np.nonzero(counts)
        if len(group):
            frames.append(
                pd.DataFrame(
                    {
                        "metric": metric,
                        "type_index": group_type[group],
                        "kind": group_kind[group],
                        "bin": bin_,
                        "count": counts[group, bin_],
                    }
                )
            )
    if not frames:
        return pd.DataFrame({"metric": [], "type_index": [], "kind": [], "bin": [], "count": []})
    return pd.concat(frames, ignore_index=True)


def _binned_counts(x: np.ndarray, code: np.ndarray, n_groups: int, n_bins: int) -> np.ndarray:
    """A (group x bin) table of the finite values of ``x`` inside ``EDGES``."""
    finite = np.isfinite(x)
    values = x[finite]
    bin_ = np.searchsorted(EDGES, values, side="right") - 1
    bin_[values == EDGES[-1]] = n_bins - 1  # the last bin is closed on the right
    inside = (bin_ >= 0) & (bin_ < n_bins)
    flat = code[finite][inside] * n_bins + bin_[inside]
    return np.bincount(flat, minlength=n_groups * n_bins).reshape(n_groups, n_bins)


def _daily(out: pd.DataFrame, daily_visits: np.ndarray, daily_covered: np.ndarray, days: int) -> pd.DataFrame:
    """Per arrival day: counts and time sums (warm-up diagnostics and cohort plots), visits, coverage."""
    day = (out["arrival"].to_numpy() // HOURS).astype(np.int64)
    frame = pd.DataFrame({"day": np.arange(days)})
    for col in ("arrived", "responded", "sum_first_response", "resolved", "sum_resolution"):
        frame[col] = np.bincount(day, weights=out[col].to_numpy(), minlength=days)[:days]
    frame["visits"] = daily_visits
    frame["vulnerable_covered"] = daily_covered
    return frame


def summarise_shard(
    params: ModelParams, req: pd.DataFrame, tally: Tally, spec: ShardSpec, options: ShardOptions
) -> ShardResult:
    """Reduce a shard's raw rows to the tables of :class:`ShardResult`."""
    window = spec.window
    villages = pd.DataFrame(tally.rows)
    kinds = villages["kind"].to_numpy()
    # every arrival, warm-up included, feeds the daily series (warm-up diagnostics); the rest uses the cohort
    everyone = request_outcomes(params, req, kinds, window)
    out = everyone[everyone["arrival"].to_numpy() >= window.warmup]
    by_village = out.groupby("village")[SUM_COLUMNS].sum()
    villages = villages.set_index("village_index")
    villages = villages.join(by_village).fillna({c: 0 for c in SUM_COLUMNS}).reset_index()
    types = out.groupby(["type_index", "kind"])[SUM_COLUMNS].sum().reset_index()
    return ShardResult(
        villages=villages,
        types=types,
        histograms=_histograms(out),
        daily=_daily(everyone, tally.daily_visits, tally.daily_covered, spec.days),
        queues=pd.DataFrame(tally.queues),
        events=tally.events,
        open_at_horizon=tally.open_at_horizon,
        # request: the row in the shard
        requests=out.assign(request=out.index.to_numpy()) if options.raw.keep_requests else None,
    )
