"""Metrics of one replication from its county shards, and the breakdown tables.

Why here and not in the model: the model returns sums, counts and
histograms; turning them into the named metrics of DESIGN §4 is one pure
function, the same for a run, a comparison, a sweep and the regression check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.analysis.survival import km_quantile
from sim.model.outcomes import SUM_COLUMNS
from sim.model.records import EDGES, ShardResult

#: The output contract (DESIGN §4); names are stable.
METRICS = [
    "first_response_hours_mean",
    "first_response_hours_p50",
    "first_response_hours_p90",
    "first_response_hours_p95",
    "resolution_hours_mean",
    "resolution_hours_p50",
    "resolution_hours_p90",
    "resolution_hours_p95",
    "within_24h_share",
    "household_visits_per_day",
    "visits_per_worker_day",
    "vulnerable_coverage_30d",
    "admin_share",
    "service_share",
    "visit_share",
    "travel_share",
    "idle_share",
    "handoffs_per_cross_department_request",
    "resident_trips_per_request",
    "requests_arrived",
    "requests_resolved",
    "backlog_end",
]
#: Further metrics, added after the contract (never renamed).
EXTRA_METRICS = [
    "within_time_limit_share",
    "overtime_hours_per_worker_day",
    "escalated_share",
    "village_queue_length_mean",
    "village_arrival_rate_per_hour",
    "village_wait_hours_mean",
    "campaign_completion_days",
    "campaign_peak_village_visits_per_day",
    "workers",
    "events",
    "open_at_horizon_share",
    "open_after_drain_share",
    "campaign_pre_village_visits_per_day",
    "township_coping_hours_per_day",
    "enforcement_coping_hours_per_day",
    "department_coping_hours_per_day",
    "urgent_resolution_hours_mean",
    "routine_resolution_hours_mean",
    "admin_late_share",
]
#: The metrics shown first in tables and guarded by the regression check.
KEY_METRICS = [
    "first_response_hours_mean",
    "first_response_hours_p90",
    "resolution_hours_mean",
    "within_24h_share",
    "household_visits_per_day",
    "vulnerable_coverage_30d",
    "admin_share",
    "resident_trips_per_request",
]
TIME_USE = ["admin", "service", "visit", "travel", "idle"]


def percentile_from_histogram(counts: np.ndarray, q: float, censored: np.ndarray | None = None) -> float:
    """The q-quantile (0-1) of binned times (Kaplan-Meier when some are censored), linear within the bin."""
    return km_quantile(counts, np.zeros(len(counts)) if censored is None else censored, EDGES, q)


def time_percentile(hist: pd.DataFrame, metric: str, q: float, mask: pd.Series | None = None) -> float:
    """Percentile of a time metric over every request of the window, open ones as censored."""
    return percentile_from_histogram(
        histogram_counts(hist, metric, mask), q, histogram_counts(hist, f"{metric}_censored", mask)
    )


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


class Combined(NamedTuple):
    """One replication's shard tables put together (computed once, read by metrics and breakdowns)."""

    villages: pd.DataFrame
    types: pd.DataFrame
    hist: pd.DataFrame
    daily: pd.DataFrame
    events: int
    queues: pd.DataFrame
    open_at_horizon: int
    inherited: pd.DataFrame | None = None  # a warm start's inherited requests (sim.model.initial_state)


def combine(shards: Sequence[ShardResult]) -> Combined:
    """Concatenate shard tables: villages, types, histograms (summed), daily (summed), queues, counts."""
    villages = pd.concat([s.villages.assign(shard=i) for i, s in enumerate(shards)], ignore_index=True)
    types = pd.concat([s.types for s in shards]).groupby(["type_index", "kind"], as_index=False)[SUM_COLUMNS].sum()
    hist = (
        pd.concat([s.histograms for s in shards])
        .groupby(["metric", "type_index", "kind", "bin"], as_index=False)["count"]
        .sum()
    )
    daily = pd.concat([s.daily for s in shards]).groupby("day", as_index=False).sum()
    queues = pd.concat([s.queues for s in shards], ignore_index=True)
    inherited = [s.inherited for s in shards if s.inherited is not None]
    return Combined(
        villages,
        types,
        hist,
        daily,
        sum(s.events for s in shards),
        queues,
        sum(s.open_at_horizon for s in shards),
        pd.concat(inherited, ignore_index=True) if inherited else None,
    )


def histogram_counts(hist: pd.DataFrame, metric: str, mask: pd.Series | None = None) -> np.ndarray:
    rows = hist[hist["metric"] == metric] if mask is None else hist[(hist["metric"] == metric) & mask]
    counts = np.zeros(len(EDGES) - 1)
    np.add.at(counts, rows["bin"].to_numpy(dtype=np.int64), rows["count"].to_numpy(dtype=float))
    return counts


def replication_metrics(
    combined: Combined, days: float, warmup_days: float, urgent_types: Sequence[int] = ()
) -> dict[str, float]:
    """Every metric of one replication (DESIGN §4 plus the extras), in the contract's order."""
    villages, types = combined.villages, combined.types
    window_days = days - warmup_days
    t = types[SUM_COLUMNS].sum()
    v = villages.sum(numeric_only=True)
    m = _time_metrics(t, combined.hist)
    m |= _work_metrics(v, window_days)
    m |= _flow_metrics(t, combined.open_at_horizon)
    m |= _strain_metrics(t, v)
    m |= _village_queue_metrics(t, v, window_days * 24.0 * len(villages))
    m |= _campaign_metrics(villages)
    m |= _coping_metrics(combined.queues, window_days)
    m |= _urgency_metrics(types, urgent_types)
    m["workers"] = float(v["cadres"] + v["team_members"])
    m["events"] = float(combined.events)
    if combined.inherited is not None:
        m |= inherited_metrics(combined.inherited)
    return m


def _time_metrics(t: pd.Series, hist: pd.DataFrame) -> dict[str, float]:
    """Means and percentiles of first response and resolution over every request of the window; within 24 h."""
    m: dict[str, float] = {}
    for name, mean_col in (("first_response_hours", "sum_first_response"), ("resolution_hours", "sum_resolution")):
        m[f"{name}_mean"] = _ratio(t[mean_col], t["arrived"])  # every request of the window
        for q in (50, 90, 95):
            m[f"{name}_p{q}"] = time_percentile(hist, name, q / 100)
    m["within_24h_share"] = _ratio(t["within24_num"], t["within24_den"])
    return m


def _work_metrics(v: pd.Series, window_days: float) -> dict[str, float]:
    """Household visits, the coverage of vulnerable households, and the shares of duty time by use."""
    m = {
        "household_visits_per_day": _ratio(v["visits"], window_days),
        "visits_per_worker_day": _ratio(v["visits"], v["worker_days"]),
        "vulnerable_coverage_30d": _ratio(v["covered_days"], v["vulnerable"] * window_days),
    }
    for use in TIME_USE:
        m[f"{use}_share"] = _ratio(v[f"{use}_h"], v["duty_h"])
    return m


def _flow_metrics(t: pd.Series, open_at_horizon: int) -> dict[str, float]:
    """Handoffs and trips per request, requests in and out, and what is left open."""
    backlog_end = float(open_at_horizon)  # counted from the model's state at the horizon
    return {
        "handoffs_per_cross_department_request": _ratio(t["handoffs"], t["cross"]),
        "resident_trips_per_request": _ratio(t["trips"], t["arrived"]),
        "requests_arrived": float(t["arrived"]),
        "requests_resolved": float(t["resolved_in_window"]),  # resolved before the horizon
        "backlog_end": backlog_end,
        "open_at_horizon_share": _ratio(backlog_end, t["arrived"]),
        "open_after_drain_share": _ratio(t["resolution_censored"], t["arrived"]),
        "within_time_limit_share": _ratio(t["within_limit_num"], t["within_limit_den"]),
    }


def _strain_metrics(t: pd.Series, v: pd.Series) -> dict[str, float]:
    """Overtime, late administrative tasks and escalated requests."""
    return {
        "overtime_hours_per_worker_day": _ratio(v["overtime_h"], v["worker_days"]),
        "admin_late_share": _ratio(v["admin_late"], v["admin_tasks"]),
        "escalated_share": _ratio(t["escalated"], t["arrived"]),
    }


def _village_queue_metrics(t: pd.Series, v: pd.Series, village_hours: float) -> dict[str, float]:
    """The average village's queue: its length, arrival rate and wait (``village_hours``: window hours x villages)."""
    return {
        "village_queue_length_mean": _ratio(v["queue_area"], village_hours),
        "village_arrival_rate_per_hour": _ratio(t["arrived"], village_hours),
        "village_wait_hours_mean": _ratio(t["wait_in_window"], t["arrived"]),
    }


def _campaign_metrics(villages: pd.DataFrame) -> dict[str, float]:
    """When the campaign finished everywhere (NaN if it did not), and its busiest and pre-campaign visit rates."""
    done = villages["campaign_done_day"].to_numpy(dtype=float)
    return {
        "campaign_completion_days": float(np.max(done)) if len(done) and np.isfinite(done).all() else float("nan"),
        "campaign_peak_village_visits_per_day": float(villages["campaign_peak"].max()),
        "campaign_pre_village_visits_per_day": float(villages["pre_campaign_visits_per_day"].max()),
    }


def _coping_metrics(queues: pd.DataFrame, window_days: float) -> dict[str, float]:
    """Coping hours per day of the township, enforcement and department queues."""
    m = {}
    for stage in ("township", "enforcement", "department"):
        coping = queues.loc[queues["stage"] == stage, "coping_h"].sum()
        m[f"{stage}_coping_hours_per_day"] = float(coping) / window_days
    return m


def _urgency_metrics(types: pd.DataFrame, urgent_types: Sequence[int]) -> dict[str, float]:
    """Mean resolution time of urgent and of routine requests."""
    urgent = types["type_index"].isin(urgent_types)
    m = {}
    for label, mask in (("urgent", urgent), ("routine", ~urgent)):
        g = types[mask]
        m[f"{label}_resolution_hours_mean"] = _ratio(g["sum_resolution"].sum(), g["arrived"].sum())
    return m


#: A warm start's metrics of the inherited backlog (only in runs with ``initial_state``).
INHERITED_METRICS = [
    "inherited_backlog",
    "inherited_open_at_horizon_share",
    "inherited_open_after_drain_share",
    "inherited_clearance_days_p50",
    "inherited_clearance_days_p90",
    "inherited_clearance_days",
]


def inherited_metrics(inherited: pd.DataFrame) -> dict[str, float]:
    """How the backlog inherited on day 0 clears: its size, what is left, days until half, 90 % and all are resolved.

    Times count from day 0 (not from the requests' arrival): "how long until today's backlog
    clears". A request still open at the end of the drain has no resolution time; every other
    one ended before it, so the empirical quantile is exact where it is reached and NaN where
    the open requests decide it (the same rule as Kaplan-Meier with censoring only at the end).
    """
    days = np.sort(inherited["resolved_hours"].to_numpy(dtype=float)) / 24.0
    n = len(days)

    def quantile(q: float) -> float:
        if n == 0:
            return math.nan
        x = days[min(n - 1, max(0, math.ceil(q * n) - 1))]  # the smallest time with at least q of them resolved
        return float(x) if math.isfinite(x) else math.nan

    return {
        "inherited_backlog": float(n),
        "inherited_open_at_horizon_share": _ratio(float(inherited["open_at_horizon"].sum()), n),
        "inherited_open_after_drain_share": _ratio(float(np.isinf(days).sum()), n),
        "inherited_clearance_days_p50": quantile(0.5),
        "inherited_clearance_days_p90": quantile(0.9),
        "inherited_clearance_days": quantile(1.0),
    }


def breakdowns(combined: Combined, type_names: list[str], window_days: float) -> dict[str, pd.DataFrame]:
    """Tables by request type, village kind, county and township for one replication."""
    villages, types, hist, daily = combined.villages, combined.types, combined.hist, combined.daily
    types = types.assign(request_type=[type_names[i] for i in types["type_index"]])
    by_type = _request_table(types.groupby("request_type", as_index=False)[SUM_COLUMNS].sum())
    for name in ("first_response_hours", "resolution_hours"):
        by_type[f"{name}_p90"] = [
            time_percentile(hist, name, 0.9, hist["type_index"] == type_names.index(rt))
            for rt in by_type["request_type"]
        ]
    out = {"by_request_type": by_type}
    for key, name in (("kind", "by_village_kind"), ("county", "by_county"), ("township_index", "by_township")):
        group_cols = [key] if key != "township_index" else ["county", "township_index", "township"]
        ids = [c for c in ("village_index", "village_id", "township_index", "shard") if c not in group_cols]
        summed = villages.drop(columns=ids).groupby(group_cols, as_index=False).sum(numeric_only=True)
        out[name] = _village_table(summed, window_days)
    out["by_type_and_kind"] = _request_table(types.groupby(["request_type", "kind"], as_index=False)[SUM_COLUMNS].sum())
    out["daily"] = daily
    return out


def _request_table(g: pd.DataFrame) -> pd.DataFrame:
    g = g.copy()
    g["first_response_hours_mean"] = g["sum_first_response"] / g["arrived"].replace(0, np.nan)
    g["resolution_hours_mean"] = g["sum_resolution"] / g["arrived"].replace(0, np.nan)
    g["open_at_horizon_share"] = 1.0 - g["resolved_in_window"] / g["arrived"].replace(0, np.nan)
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
