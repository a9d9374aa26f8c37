"""Per-queue stability records: offered work against capacity, and the backlog's trend.

Why every queue gets one: a mean over a queue that never settles depends on the
horizon, not on the policy. Each staffed queue (a village's workers, a
township's service pool, its enforcement team, each county department) reports
its utilisation (work offered in the window / its regular staff's duty hours),
its utilisation with coping capacity, and the trend of its backlog, so the
analysis layer can flag the queues that do not settle.

The trend is an OLS slope over *weekly* means of the daily backlog: weekly
batching removes most of the day-to-day autocorrelation that would make a
per-day regression look significant when it is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

HOURS_PER_DAY = 24.0
WEEK = 7


def daily_backlog_from_times(arrival: np.ndarray, done: np.ndarray, days: int) -> np.ndarray:
    """Requests in the system (arrived, not done) at the end of each day, from their timestamps."""
    ends = (np.arange(days) + 1) * HOURS_PER_DAY
    arrived = np.searchsorted(np.sort(arrival), ends, side="right")
    finished = np.searchsorted(np.sort(done), ends, side="right")
    return (arrived - finished).astype(float)


def backlog_trend(daily: np.ndarray, first_day: int) -> dict[str, float]:
    """Mean backlog over the window and the OLS slope (per day) of its weekly means, with its standard error."""
    window = np.asarray(daily[first_day:], dtype=float)
    weeks = len(window) // WEEK
    mean = float(window.mean()) if len(window) else math.nan
    if weeks < 3:
        return {
            "backlog_mean": mean,
            "backlog_slope_per_day": math.nan,
            "backlog_slope_se": math.nan,
            "weeks": float(weeks),
        }
    y = window[: weeks * WEEK].reshape(weeks, WEEK).mean(axis=1)
    x = (np.arange(weeks) + 0.5) * WEEK
    xc = x - x.mean()
    sxx = float((xc**2).sum())
    slope = float((xc * (y - y.mean())).sum() / sxx)
    resid = y - y.mean() - slope * xc
    se = float(math.sqrt((resid**2).sum() / (weeks - 2) / sxx))
    return {"backlog_mean": mean, "backlog_slope_per_day": slope, "backlog_slope_se": se, "weeks": float(weeks)}


@dataclass(frozen=True)
class QueueLoad:
    """One queue in one replication: who serves it, the hours it had and was offered, what is left."""

    stage: str
    county: str
    township: str
    name: str
    servers: int
    extra_max: int  # coping staff it may call on (0 for a village: its coping is overtime)
    capacity_h: float
    coping_capacity_h: float
    offered_h: float
    jobs: int
    extra_h: float  # hours of coping work done
    open_at_horizon: int


def queue_row(load: QueueLoad, daily_backlog: np.ndarray, warmup_days: int) -> dict[str, Any]:
    """The queue's record: its load, the window's length, and its backlog's trend after the warm-up."""
    return {
        "stage": load.stage,
        "county": load.county,
        "township": load.township,
        "queue": load.name,
        "servers": load.servers,
        "extra_staff_max": load.extra_max,
        "capacity_h": load.capacity_h,
        "coping_capacity_h": load.coping_capacity_h,
        "offered_h": load.offered_h,
        "jobs": load.jobs,
        "coping_h": load.extra_h,
        "open_at_horizon": load.open_at_horizon,
        "window_days": float(len(daily_backlog) - warmup_days),
        **backlog_trend(daily_backlog, warmup_days),
    }
