"""Metrics of one replication from its county shards, and the breakdown tables.

Why here and not in the model: the model returns sums, counts and
histograms; turning them into the named metrics of DESIGN §4 is one pure
function, the same for a run, a comparison, a sweep and the regression check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.model.outcomes import SUM_COLUMNS
from sim.model.records import EDGES, ShardResult

#: The output contract (DESIGN §4); names are stable.
METRICS = [
    "first_response_hours_mean", "first_response_hours_p50", "first_response_hours_p90", "first_response_hours_p95",
    "resolution_hours_mean", "resolution_hours_p50", "resolution_hours_p90", "resolution_hours_p95",
    "within_24h_share", "household_visits_per_day", "visits_per_worker_day", "vulnerable_coverage_30d",
    "admin_share", "service_share", "visit_share", "travel_share", "idle_share",
    "handoffs_per_cross_department_request", "resident_trips_per_request",
    "requests_arrived", "requests_resolved", "backlog_end",
]
#: Further metrics, added after the contract (never renamed).
EXTRA_METRICS = [
    "within_time_limit_share", "overtime_hours_per_worker_day", "escalated_share", "village_queue_length_mean",
    "village_arrival_rate_per_hour", "village_wait_hours_mean", "campaign_completion_days",
    "campaign_peak_village_visits_per_day", "workers", "events",
]
#: The metrics shown first in tables and guarded by the regression check.
KEY_METRICS = [
    "first_response_hours_mean", "first_response_hours_p90", "resolution_hours_mean", "within_24h_share",
    "household_visits_per_day", "vulnerable_coverage_30d", "admin_share", "resident_trips_per_request",
]
TIME_USE = ["admin", "service", "visit", "travel", "idle"]


def percentile_from_histogram(counts: np.ndarray, q: float) -> float:
    """The q-quantile (0-1) of binned data, interpolating linearly within the bin."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    cum = np.cumsum(counts)
    target = q * total
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(k, len(counts) - 1)
    before = cum[k - 1] if k > 0 else 0
    frac = (target - before) / counts[k] if counts[k] else 0.0
    return float(EDGES[k] + frac * (EDGES[k + 1] - EDGES[k]))


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


class Combined(NamedTuple):
    """One replication's shard tables put together (computed once, read by metrics and breakdowns)."""

    villages: pd.DataFrame
    types: pd.DataFrame
    hist: pd.DataFrame
    daily: pd.DataFrame
    events: int


def combine(shards: Sequence[ShardResult]) -> Combined:
    """Concatenate shard tables: villages, types, histograms (summed), daily (summed), events."""
    villages = pd.concat([s.villages.assign(shard=i) for i, s in enumerate(shards)], ignore_index=True)
    types = pd.concat([s.types for s in shards]).groupby(["type_index", "kind"], as_index=False)[SUM_COLUMNS].sum()
    hist = (pd.concat([s.histograms for s in shards])
            .groupby(["metric", "type_index", "kind", "bin"], as_index=False)["count"].sum())
    daily = pd.concat([s.daily for s in shards]).groupby("day", as_index=False).sum()
    return Combined(villages, types, hist, daily, sum(s.events for s in shards))


def histogram_counts(hist: pd.DataFrame, metric: str, mask: pd.Series | None = None) -> np.ndarray:
    rows = hist[hist["metric"] == metric] if mask is None else hist[(hist["metric"] == metric) & mask]
    counts = np.zeros(len(EDGES) - 1)
    np.add.at(counts, rows["bin"].to_numpy(dtype=np.int64), rows["count"].to_numpy(dtype=float))
    return counts


def replication_metrics(combined: Combined, days: float, warmup_days: float) -> dict[str, float]:
    """Every metric of one replication (DESIGN §4 plus the extras)."""
    villages, types, hist, _daily, events = combined
    window_days = days - warmup_days
    m: dict[str, float] = {}
    t = types[SUM_COLUMNS].sum()
    for name, mean_col, n_col in (("first_response_hours", "sum_first_response", "responded"),
                                  ("resolution_hours", "sum_resolution", "resolved")):
        m[f"{name}_mean"] = _ratio(t[mean_col], t[n_col])
        counts = histogram_counts(hist, name)
        for q in (50, 90, 95):
            m[f"{name}_p{q}"] = percentile_from_histogram(counts, q / 100)
    m["within_24h_share"] = _ratio(t["within24_num"], t["within24_den"])
    v = villages.sum(numeric_only=True)
    m["household_visits_per_day"] = _ratio(v["visits"], window_days)
    m["visits_per_worker_day"] = _ratio(v["visits"], v["worker_days"])
    m["vulnerable_coverage_30d"] = _ratio(v["covered_days"], v["vulnerable"] * window_days)
    for use in TIME_USE:
        m[f"{use}_share"] = _ratio(v[f"{use}_h"], v["duty_h"])
    m["handoffs_per_cross_department_request"] = _ratio(t["handoffs"], t["cross"])
    m["resident_trips_per_request"] = _ratio(t["trips"], t["arrived"])
    m["requests_arrived"] = float(t["arrived"])
    m["requests_resolved"] = float(t["resolved"])
    m["backlog_end"] = float(t["arrived"] - t["resolved"])
    m["within_time_limit_share"] = _ratio(t["within_limit_num"], t["within_limit_den"])
    m["overtime_hours_per_worker_day"] = _ratio(v["overtime_h"], v["worker_days"])
    m["escalated_share"] = _ratio(t["escalated"], t["arrived"])
    hours = window_days * 24.0
    m["village_queue_length_mean"] = _ratio(v["queue_area"], hours * len(villages))
    m["village_arrival_rate_per_hour"] = _ratio(t["arrived"], hours * len(villages))
    m["village_wait_hours_mean"] = _ratio(t["wait_in_window"], t["arrived"])
    done = villages["campaign_done_day"].to_numpy(dtype=float)
    m["campaign_completion_days"] = float(np.max(done)) if len(done) and np.isfinite(done).all() else float("nan")
    m["campaign_peak_village_visits_per_day"] = float(villages["campaign_peak"].max())
    m["workers"] = float(v["cadres"] + v["team_members"])
    m["events"] = float(events)
    return m


def breakdowns(combined: Combined, type_names: list[str], window_days: float) -> dict[str, pd.DataFrame]:
    """Tables by request type, village kind, county and township for one replication."""
    villages, types, hist, daily, _events = combined
    types = types.assign(request_type=[type_names[i] for i in types["type_index"]])
    by_type = _request_table(types.groupby("request_type", as_index=False)[SUM_COLUMNS].sum())
    for name in ("first_response_hours", "resolution_hours"):
        by_type[f"{name}_p90"] = [
            percentile_from_histogram(histogram_counts(hist, name, hist["type_index"] == type_names.index(rt)), 0.9)
            for rt in by_type["request_type"]]
    out = {"by_request_type": by_type}
    for key, name in (("kind", "by_village_kind"), ("county", "by_county"), ("township_index", "by_township")):
        group_cols = [key] if key != "township_index" else ["county", "township_index", "township"]
        out[name] = _village_table(villages.groupby(group_cols, as_index=False).sum(numeric_only=True), window_days)
    out["by_type_and_kind"] = _request_table(types.groupby(["request_type", "kind"], as_index=False)[SUM_COLUMNS]
                                             .sum())
    out["daily"] = daily
    return out


def _request_table(g: pd.DataFrame) -> pd.DataFrame:
    g = g.copy()
    g["first_response_hours_mean"] = g["sum_first_response"] / g["responded"].replace(0, np.nan)
    g["resolution_hours_mean"] = g["sum_resolution"] / g["resolved"].replace(0, np.nan)
    g["within_24h_share"] = g["within24_num"] / g["within24_den"].replace(0, np.nan)
    g["resident_trips_per_request"] = g["trips"] / g["arrived"].replace(0, np.nan)
    return g


def _village_table(g: pd.DataFrame, window_days: float) -> pd.DataFrame:
    g = _request_table(g)
    for use in TIME_USE:
        g[f"{use}_share"] = g[f"{use}_h"] / g["duty_h"].replace(0, np.nan)
    g["household_visits_per_day"] = g["visits"] / window_days
    g["visits_per_worker_day"] = g["visits"] / g["worker_days"].replace(0, np.nan)
    g["vulnerable_coverage_30d"] = g["covered_days"] / (g["vulnerable"] * window_days).replace(0, np.nan)
    return g.drop(columns=[c for c in ("village_index", "village_id", "shard") if c in g.columns])
