"""Batched draws of a village's requests for the whole horizon.

Why batch: numpy draws a year of arrivals in a few vector calls (tens of
nanoseconds a value) where scalar draws inside the event loop cost ten times
more. The arrays are consumed one arrival at a time by a single chained event,
so the event heap stays small: nothing is pre-scheduled. Draws are laid out
day by day (per-request uniforms drawn as rows of one matrix), so the first
days of a long run draw exactly what a short run draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import HOURS_PER_DAY, weekday_flags
from sim.model.distributions import from_uniform
from sim.scenario.official_days import day_kinds
from sim.scenario.params import CalendarParams, ModelParams, RequestParams

DAYTIME = (8.0, 20.0)


@dataclass(frozen=True)
class RequestArrays:
    """One village's requests, sorted by arrival time (hours)."""

    time: np.ndarray
    type_index: np.ndarray
    work: np.ndarray  # effort + on-site travel, hours
    travel: np.ndarray  # the travel part of work, hours
    urgent: np.ndarray
    escalate: np.ndarray
    follow_up: np.ndarray  # hours the resident waits on other parties after the village's work (0 if escalated)


def day_factors(
    requests: RequestParams, start_date: str, days: int, calendar: CalendarParams | None = None
) -> np.ndarray:
    """Demand factor of each simulated day: day of the week (or official day kind) x seasonal peak.

    Seasonal factors are normalised over a calendar year so that the annual mean
    rate is the stated rate. With the official calendar on, an official holiday takes
    ``holiday_demand_factor`` and a make-up working day ``makeup_workday_demand_factor`` in
    place of the weekday or weekend factor; these are not renormalised, so a year with
    holidays on weekdays has slightly fewer requests (as offices' closure days would).
    """
    start = dt.date.fromisoformat(start_date)
    year = [start + dt.timedelta(days=d) for d in range(365)]
    season_year = np.array([_season(requests, day) for day in year])
    season_year /= season_year.mean()
    season = np.array([season_year[d % 365] for d in range(days)])
    weekday = np.where(weekday_flags(start_date, days), requests.weekday_factor, requests.weekend_factor)
    if calendar is not None and calendar.official_holidays:
        kinds = np.array(day_kinds(start_date, days))
        weekday = np.where(kinds == "holiday", calendar.holiday_demand_factor, weekday)
        weekday = np.where(kinds == "makeup", calendar.makeup_workday_demand_factor, weekday)
    return season * weekday


def _season(requests: RequestParams, day: dt.date) -> float:
    md = (day.month, day.day)
    factor = 1.0
    for peak in requests.seasonal_peaks:
        lo = tuple(int(x) for x in peak.start.split("-"))
        hi = tuple(int(x) for x in peak.end.split("-"))
        inside = lo <= md <= hi if lo <= hi else (md >= lo or md <= hi)
        if inside:
            factor = max(factor, peak.factor)
    return factor


@dataclass(frozen=True)
class Catchment:
    """Whom a village's requests come from, and how long a cadre's round trip to them takes."""

    population: float
    kind: str  # "urban" or "rural": the types' rate multipliers differ
    travel_hours_on_site: float


def draw_requests(
    params: ModelParams, factors: np.ndarray, catchment: Catchment, streams: Callable[[str], np.random.Generator]
) -> RequestArrays:
    """All requests of one village over ``days`` (non-homogeneous Poisson by day)."""
    rp = params.requests
    types = list(rp.types.values())
    per_day = _daily_rates(rp, catchment)
    days = len(factors)
    lam = np.outer(factors, per_day)
    count_rng, hour_rng = streams("arrivals").spawn(2)  # counts and hours apart: a longer run does not shift the hours
    counts = count_rng.poisson(lam)
    n = int(counts.sum())
    day_of = np.repeat(np.repeat(np.arange(days), counts.shape[1]), counts.ravel())
    type_of = np.repeat(np.tile(np.arange(len(types)), days), counts.ravel())
    hour = _hours_of_day(hour_rng.random((n, 2)), rp.daytime_share)
    time = day_of * HOURS_PER_DAY + hour
    order = np.argsort(time, kind="stable")
    time, type_of = time[order], type_of[order].astype(np.int16)
    u = (streams("service").random(n), streams("escalation").random(n))
    return typed_requests(params, time, type_of, u, catchment.travel_hours_on_site)


def _daily_rates(rp: RequestParams, catchment: Catchment) -> np.ndarray:
    """Mean requests per day of each type from this village's people, before the day's factors."""
    per_1000_year = np.array(
        [
            t.rate_per_1000_residents_per_year
            * (t.urban_multiplier if catchment.kind == "urban" else t.rural_multiplier)
            for t in rp.types.values()
        ]
    )
    return per_1000_year * rp.demand_multiplier * catchment.population / 1000.0 / 365.0


def typed_requests(
    params: ModelParams,
    time: np.ndarray,
    type_of: np.ndarray,
    u: tuple[np.ndarray, np.ndarray],
    travel_hours_on_site: float,
) -> RequestArrays:
    """Requests whose times and types are known: effort, travel, urgency, escalation and follow-up by type.

    ``u`` is one uniform per request for its effort and one for its escalation. A new request and
    a warm start's inherited one get their work the same way, only from different streams.
    """
    u_effort, u_escalate = u
    n = len(time)
    effort, travel, urgent = np.empty(n), np.zeros(n), np.zeros(n, dtype=bool)
    p_escalate, follow_up = np.empty(n), np.zeros(n)
    for k, t in enumerate(params.requests.types.values()):
        mask = type_of == k
        effort[mask] = from_uniform(t.effort_hours, u_effort[mask])
        if t.on_site:
            travel[mask] = travel_hours_on_site
        urgent[mask] = t.urgent
        p_escalate[mask] = t.escalation_probability
        follow_up[mask] = t.follow_up_days * HOURS_PER_DAY
    escalate = u_escalate < p_escalate
    return RequestArrays(
        time=time,
        type_index=type_of,
        work=effort + travel,
        travel=travel,
        urgent=urgent,
        escalate=escalate,
        follow_up=np.where(escalate, 0.0, follow_up),
    )


def _hours_of_day(u: np.ndarray, daytime_share: float) -> np.ndarray:
    """Hour of day from two uniforms per request: position in the window, and daytime or not.

    One (n, 2) draw rather than two length-n draws: the first requests' hours then do not
    depend on how many requests follow, so a shorter run is a prefix of a longer one.
    """
    day_len = DAYTIME[1] - DAYTIME[0]
    night_len = HOURS_PER_DAY - day_len
    position, daytime = u[:, 0], u[:, 1] < daytime_share
    night = (DAYTIME[1] + position * night_len) % HOURS_PER_DAY
    return np.where(daytime, DAYTIME[0] + position * day_len, night)
