"""What one village loop is given: its workers' duty calendars, its visit book and its settings.

Why apart from the shard: these are the village's inputs, read from the scenario and the world's
row for the village; the shard only wires them to the loop and collects what it books.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model import calendar as cal
from sim.model.village_setup import VillageSetup
from sim.model.visits import VisitBook
from sim.scenario.params import ModelParams

if TYPE_CHECKING:
    from sim.model.shard import ShardSpec

HOURS = cal.HOURS_PER_DAY


def worker_calendars(
    params: ModelParams, v: pd.Series, days: int, roster: np.random.Generator
) -> tuple[list[cal.Calendar], list[float]]:
    """Cadres' and work-team members' calendars, and each one's daily app minutes (hours)."""
    if params.verification_mode:
        n = int(v["cadres"]) + int(v["team_members"])
        return [cal.always_on_calendar(days)] * n, [0.0] * n
    duty = params.workers.duty
    plan = duty_plan(params, days)
    day_hours = sum(e - s for s, e in plan.periods)
    apps = min(params.admin.apps_minutes_per_cadre_day / 60.0, day_hours)
    n_cadres = int(v["cadres"])
    calendars = [cal.cadre_calendar(plan, n_cadres, i, duty.weekend_on_duty, apps) for i in range(n_cadres)]
    members, member_apps = _member_calendars(params, plan, int(v["team_members"]), apps, roster)
    return calendars + members, [apps] * n_cadres + member_apps


def duty_plan(params: ModelParams, days: int) -> cal.DutyPlan:
    """The run's first day, the duty periods and whose working days: what villages and offices share."""
    periods = tuple((float(s), float(e)) for s, e in params.workers.duty.periods)
    return cal.DutyPlan(params.world.start_date, days, periods, params.calendar.official_holidays)


def _member_calendars(
    params: ModelParams, plan: cal.DutyPlan, n_members: int, apps: float, roster: np.random.Generator
) -> tuple[list[cal.Calendar], list[float]]:
    """Work-team members: each present on a share of working days (a phase drawn), from an arrival day drawn."""
    team = params.workers.work_team
    phases = roster.random(n_members)
    arrivals = roster.random(n_members) * team.ramp_up_days
    member_apps = apps if team.does_apps else 0.0
    calendars = [
        cal.member_calendar(plan, team.availability, round(float(phases[k]), 2), int(arrivals[k]), member_apps)
        for k in range(n_members)
    ]
    return calendars, [member_apps] * n_members


def visit_book(params: ModelParams, v: pd.Series) -> VisitBook:
    """The village's households to visit, with the campaign of the scenario (if any) planned."""
    vp = params.visits
    book = VisitBook(
        int(v["households"]),
        int(v["vulnerable_households"]),
        vp.vulnerable_interval_days,
        vp.ordinary_interval_days,
        vp.min_revisit_days,
    )
    if vp.campaign is not None:
        share = vp.campaign.target_share_of_households
        target = int(v["vulnerable_households"]) if share is None else int(round(share * int(v["households"])))
        book.start_campaign(vp.campaign.start_day, vp.campaign.days, target, share is None)
    return book


def village_setup(
    params: ModelParams, v: pd.Series, spec: ShardSpec, calendars: list[cal.Calendar], apps: list[float]
) -> VillageSetup:
    """The village loop's settings: duty calendars, visit length, priorities, overtime, the window."""
    verification = params.verification_mode
    visit_travel = float(v["travel_minutes"]) / 60.0
    window = spec.window
    return VillageSetup(
        calendars=calendars,
        apps_hours=apps,
        visit_hours=math.inf if verification else params.visits.visit_minutes / 60.0 + visit_travel,
        visit_travel_hours=visit_travel,
        priority=tuple(params.policy.priority),
        due_soon_hours=params.admin.due_soon_hours,
        on_call_delay=params.workers.duty.on_call_delay_hours,
        overtime_hours=0.0 if verification else params.workers.duty.overtime_hours_per_day,
        close_hour=HOURS if verification else float(params.workers.duty.periods[-1][1]),
        warmup=window.warmup,
        horizon=window.horizon,
        end=window.end,
    )
