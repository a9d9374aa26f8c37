"""What one village loop books, as the shard collects it: the village's row, its queue row, its daily series.

Why apart from the shard: these are read-outs of a finished :class:`~sim.model.village.VillageSim`
(its ledger, its visit book, its request times), with no effect on the simulation itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.admin_tasks import AdminArrays
from sim.model.calendar import HOURS_PER_DAY
from sim.model.demand import RequestArrays
from sim.model.stability import QueueLoad, daily_backlog_from_times, queue_row
from sim.model.village import VillageSim
from sim.model.village_setup import Ledger
from sim.model.visits import VisitBook

if TYPE_CHECKING:
    from sim.model.shard import ShardSpec


def village_row(v: pd.Series, j: int, sim: VillageSim, book: VisitBook, spec: ShardSpec) -> dict[str, Any]:
    """The village's time use, visits and campaign in the window: one row of the shard's village table."""
    coverage = np.array(sim.ledger.daily_covered)
    return {
        **_identity(v, j),
        **_time_use(sim.ledger),
        "covered_days": float(coverage[spec.warmup_days : spec.days].sum()),
        "campaign_done_day": book.campaign_done_day,
        "campaign_peak": book.campaign_peak,
        "pre_campaign_visits_per_day": book.pre_campaign_visits_per_day(),
        "open_at_horizon": sim.open_at_horizon,
    }


def _identity(v: pd.Series, j: int) -> dict[str, Any]:
    """Which village this is, and its people and staff."""
    return {
        "village_index": j,
        "village_id": int(v["village_id"]),
        "county": str(v["county"]),
        "township": str(v["township"]),
        "township_index": int(v["township_index"]),
        "kind": v["kind"],
        "population": int(v["population"]),
        "cadres": int(v["cadres"]),
        "team_members": int(v["team_members"]),
        "vulnerable": int(v["vulnerable_households"]),
    }


def _time_use(led: Ledger) -> dict[str, Any]:
    """The window's hours by use, visits, the queue's time integral and the admin deadlines."""
    return {
        "service_h": led.service,
        "travel_h": led.travel,
        "admin_h": led.admin,
        "visit_h": led.visit,
        "idle_h": led.idle,
        "overtime_h": led.overtime,
        "duty_h": led.duty,
        "worker_days": led.worker_days,
        "visits": led.visits,
        "queue_area": led.queue_area,
        "admin_tasks": led.admin_tasks,
        "admin_late": led.admin_late,
    }


def village_queue(
    v: pd.Series, sim: VillageSim, requests: RequestArrays, admin: AdminArrays, spec: ShardSpec
) -> dict[str, Any]:
    """The village as a queue (its workers the servers): offered work, capacity and daily backlog.

    ``requests`` are the new arrivals (the window's offered work); the daily backlog counts every
    request the loop served, a warm start's inherited ones too (the loop's own arrival times).
    """
    led, window = sim.ledger, spec.window
    in_window = (requests.time >= window.warmup) & (requests.time < window.horizon)
    admin_in_window = (admin.time >= window.warmup) & (admin.time < window.horizon)
    offered = float(requests.work[in_window].sum() + admin.hours[admin_in_window].sum()) + apps_hours_in_window(sim)
    load = QueueLoad(
        stage="village",
        county=str(v["county"]),
        township=str(v["township"]),
        name=f"village {int(v['village_id'])}",
        servers=len(sim.cal),
        extra_max=0,
        capacity_h=led.duty,
        coping_capacity_h=led.duty + sim.s.overtime_hours * led.worker_days,
        offered_h=offered,
        jobs=int(in_window.sum()),
        extra_h=led.overtime,
        open_at_horizon=sim.open_at_horizon,
    )
    backlog = daily_backlog_from_times(np.array(sim.r_time), np.array(sim.village_done), spec.days)
    return queue_row(load, backlog, spec.warmup_days)


def apps_hours_in_window(sim: VillageSim) -> float:
    """App hours in the window (the ledger books them as admin at the end): offered work of the village."""
    s = sim.s
    first, last = int(s.warmup // HOURS_PER_DAY), int(math.ceil(s.horizon / HOURS_PER_DAY))
    return float(sum(h * c.present_days_between(first, last) for h, c in zip(s.apps_hours, s.calendars, strict=True)))


def village_daily(sim: VillageSim, spec: ShardSpec) -> tuple[np.ndarray, np.ndarray]:
    """Visits made and vulnerable households covered, by day of the window (zeros after the loop stopped)."""
    led = sim.ledger
    return _padded(led.daily_visits, spec.days), _padded(led.daily_covered, spec.days)


def _padded(values: list[int] | list[float], days: int) -> np.ndarray:
    """One value a day for ``days`` days: those recorded, then zeros."""
    out = np.zeros(days)
    kept = np.asarray(values[:days], dtype=float)
    out[: len(kept)] = kept
    return out
