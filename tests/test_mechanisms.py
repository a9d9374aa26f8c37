"""One test per lever and behaviour: each fails when its mechanism is switched off or inverted, and
asserts a size where arithmetic gives one. Runs use Malong (56 units) and common random numbers, so a
lever's effect is measured on the same requests and the same luck."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from helpers import small_city
from sim.experiment.runner import Results, RunOptions, run
from sim.model.admin_tasks import admin_daily_hours, draw_admin
from sim.model.escalation import ROUTE_CROSS, ROUTE_DELEGATED, ROUTE_DEPARTMENT, ROUTE_TOWNSHIP
from sim.model.streams import stream
from sim.model.world import build_world
from sim.scenario.params import ModelParams

SHORT = {"run.days": 120, "run.warmup_days": 10}
TYPES = ["consultation", "certificate", "help", "coordination", "dispute", "urgent", "other"]


def go(name: str = "baseline.yaml", replications: int = 1, **overrides) -> Results:
    return run(
        small_city(name, **{**SHORT, **overrides}),
        RunOptions(replications=replications, executor="serial", keep_requests=True),
    )


def requests(res: Results) -> pd.DataFrame:
    return res.extra["requests"].sort_values(["replication", "village", "arrival"]).reset_index(drop=True)


# ------------------------------------------------------------------ power down


@pytest.mark.parametrize("items", [0, 13, 26])
def test_delegation_moves_the_stated_share_of_single_department_requests(items: int) -> None:
    """Delegated share = delegable_share x items / 26 of the single-department requests (binomial, 3.5 SE)."""
    req = requests(go(replications=2, **{"delegation.items_delegated": items}))
    single = req[req["route"].isin([ROUTE_DEPARTMENT, ROUTE_DELEGATED])]
    share = float((single["route"] == ROUTE_DELEGATED).mean())
    expected = 0.3 * items / 26
    assert len(single) > 500
    assert abs(share - expected) <= 3.5 * math.sqrt(expected * (1 - expected) / len(single)) + 1e-12, share


def test_the_whistle_assessment_shortens_department_waits_by_the_expected_working_days() -> None:
    """On-time probability 0.7 -> 0.9: the expected whistle wait falls by 0.2 x (2 + 6.5 - 2/2) = 1.5 working days.

    A working day of waiting is 33.6 calendar hours on average (24 h x 7/5); queueing and where a
    wait starts in the week blur it, so the measured cut must lie within ±30 % of 1.5 x 33.6 h.
    """
    before = requests(go(**{"departments.on_time_response_probability": 0.7}))
    after = requests(go(**{"departments.on_time_response_probability": 0.9}))
    mask = (before["route"] == ROUTE_DEPARTMENT) & ~before["urgent"]
    cut = float((before.loc[mask, "resolution_hours"] - after.loc[mask, "resolution_hours"]).mean())
    assert 0.7 * 1.5 * 33.6 <= cut <= 1.3 * 1.5 * 33.6, cut


@pytest.mark.parametrize("modules, rework", [(0, 0.3), (0, 0.0), (10, 0.3), (20, 0.3)])
def test_hand_offs_follow_from_the_departments_involved(modules: int, rework: float) -> None:
    """Sequential: each of k departments (2-4, mean 3) is handed the file until it passes, 1/(1-r) times;
    a "one thing" module hands it once to all of them, 1/(1-0.05) times. Module share = modules x 6 %."""
    res = go(replications=3, **{"one_thing.modules": modules, "departments.rework_probability": rework})
    share = min(1.0, modules * 0.06)
    expected = share / (1 - 0.05) + (1 - share) * 3 / (1 - rework)
    req = requests(res)
    handoffs = req.loc[req["route"] == ROUTE_CROSS, "handoffs"].to_numpy(dtype=float)
    se = handoffs.std(ddof=1) / math.sqrt(len(handoffs))
    assert se < 0.03 * expected  # enough requests for the check to mean something
    assert abs(handoffs.mean() - expected) <= 4 * se, (handoffs.mean(), expected, se)
    assert res.summary["handoffs_per_cross_department_request"]["mean"] == pytest.approx(handoffs.mean(), rel=0.02)


def test_rework_sends_residents_back() -> None:
    """Resident trips of cross-department requests equal their hand-offs: one more trip per hand-off after the first."""
    with_rework = go(replications=2, **{"departments.rework_probability": 0.3})
    without = go(replications=2, **{"departments.rework_probability": 0.0})
    assert (
        with_rework.summary["resident_trips_per_request"]["mean"]
        > without.summary["resident_trips_per_request"]["mean"]
    )
    req = requests(with_rework)
    cross = req[(req["route"] == ROUTE_CROSS) & np.isfinite(req["resolution_hours"])]
    assert (cross["trips"] == cross["handoffs"]).all()


def test_township_approval_wait_adds_its_working_days() -> None:
    """Approval wait uniform 1-5 working days (mean 3) instead of a fixed 1: +2 working days ≈ 67 h (±30 %)."""
    slow = requests(go())
    fast = requests(go(**{"township.latency_working_days": {"kind": "fixed", "mean": 1.0}}))
    mask = (slow["route"] == ROUTE_TOWNSHIP) & ~slow["urgent"]
    extra = float((slow.loc[mask, "resolution_hours"] - fast.loc[mask, "resolution_hours"]).mean())
    assert 0.7 * 2 * 33.6 <= extra <= 1.3 * 2 * 33.6, extra


def test_urgent_matters_wait_a_tenth_of_the_procedures() -> None:
    """procedure_time_factor 0.1 for urgent requests: their township approval wait shrinks by 0.9 x 3 working days."""
    quick = requests(go(replications=2))
    slow = requests(go(replications=2, **{"requests.types.urgent.procedure_time_factor": 1.0}))
    mask = (quick["route"] == ROUTE_TOWNSHIP) & quick["urgent"]
    assert mask.sum() > 30
    saved = float((slow.loc[mask, "resolution_hours"] - quick.loc[mask, "resolution_hours"]).mean())
    assert 0.7 * 0.9 * 3 * 33.6 <= saved <= 1.3 * 0.9 * 3 * 33.6, saved


# ------------------------------------------------------------------ village behaviours


def test_village_overtime_finishes_work_and_shortens_waits() -> None:
    """An hour of overtime lets cadres finish requests in progress at 18:00 (booked as overtime, not duty)."""
    with_ot = go(**{"workers.duty.overtime_hours_per_day": 1.0}).summary
    without = go(**{"workers.duty.overtime_hours_per_day": 0.0}).summary
    on_call_only = without["overtime_hours_per_worker_day"]["mean"]
    assert with_ot["overtime_hours_per_worker_day"]["mean"] > 1.5 * on_call_only
    assert with_ot["resolution_hours_mean"]["mean"] < without["resolution_hours_mean"]["mean"]


def test_on_call_delay_adds_exactly_its_length_to_urgent_requests_at_night() -> None:
    a = requests(go(**{"workers.duty.on_call_delay_hours": 0.5}))
    b = requests(go(**{"workers.duty.on_call_delay_hours": 2.0}))
    hour = a["arrival"] % 24
    night = a["urgent"] & ((hour >= 19.0) | (hour < 7.0))  # nobody is on duty: the on-call cadre answers
    assert night.sum() > 20
    assert np.allclose(a.loc[night, "first_response_hours"], 0.5)
    assert np.allclose(b.loc[night, "first_response_hours"], 2.0)


def test_follow_up_days_add_exactly_their_length_to_resolution() -> None:
    """Follow-up waits on other parties, not on workers: the village's dynamics are unchanged."""
    a = requests(go(**{"requests.types.dispute.follow_up_days": 7.0}))
    b = requests(go(**{"requests.types.dispute.follow_up_days": 0.0}))
    dispute = (a["type_index"] == TYPES.index("dispute")) & (a["escalated"] == 0)
    assert dispute.sum() > 20
    assert np.allclose(a.loc[dispute, "resolution_hours"] - b.loc[dispute, "resolution_hours"], 7 * 24.0)
    others = a["type_index"] != TYPES.index("dispute")
    assert np.allclose(a.loc[others, "first_response_hours"], b.loc[others, "first_response_hours"])


def test_admin_due_soon_priority_keeps_admin_on_time_at_the_expense_of_routine_waits() -> None:
    """Under three times the demand routine requests fill the day; only the due-soon rule keeps admin on time."""
    busy = {"requests.demand_multiplier": 3.0}
    on = go(**busy, **{"admin.due_soon_hours": 24.0}).summary
    off = go(**busy, **{"admin.due_soon_hours": 0.0}).summary
    assert off["admin_late_share"]["mean"] > 3 * on["admin_late_share"]["mean"]
    assert off["first_response_hours_mean"]["mean"] < on["first_response_hours_mean"]["mean"]


def test_escalated_share_is_the_rate_weighted_escalation_probability() -> None:
    """(160 x .05 + 120 x .30 + 60 x .25 + 40 x .40 + 8 x .10 + 4 x .50 + 8 x .10) / 400 = 0.1965 (binomial, 3.5 SE)."""
    res = go(**{"run.days": 60})
    n = res.summary["requests_arrived"]["mean"]
    share = res.summary["escalated_share"]["mean"]
    assert abs(share - 0.1965) <= 3.5 * math.sqrt(0.1965 * 0.8035 / n)


def test_a_year_of_arrivals_matches_the_stated_rates() -> None:
    """400 per 1,000 residents a year, with weekday 1.2 / weekend 0.5 and seasonal peaks normalised to a mean of 1.

    Expected count computed here from dates (not from the model's own factor function): Σ_days
    season(d) x weekday(d) / Σ_days season(d) x 365 x 400 x population / 1,000 / 365. Poisson, 3.5 SD.
    """
    res = go(**{"run.days": 365, "run.warmup_days": 0, "run.drain_days": 0})
    population = float(build_world(small_city().model_params()).villages["population"].sum())
    days = [dt.date(2021, 1, 1) + dt.timedelta(d) for d in range(365)]

    def season(day: dt.date) -> float:
        peak = day.month >= 9 or (day.month == 1 and day.day >= 25) or (day.month == 2 and day.day <= 15)
        return 1.5 if peak else 1.0

    s = np.array([season(d) for d in days])
    w = np.array([1.2 if d.weekday() < 5 else 0.5 for d in days])
    expected = 400 * population / 1000 * float((s / s.mean() * w).mean())
    assert abs(res.summary["requests_arrived"]["mean"] - expected) <= 3.5 * math.sqrt(expected)


# ------------------------------------------------------------------ offices


def test_office_capacity_is_the_stated_staff_on_office_hours() -> None:
    """Capacity = staff x 7 office hours x 80 weekdays in the window (2021-01-11 to 2021-04-30:
    15 + 20 + 23 + 22, counted by hand); staff from the world's township table and the department
    rule; doubling staff halves utilisation."""
    res = go()
    world = build_world(small_city().model_params())
    q = res.tables["queues"]
    offices = q[q["stage"] != "village"]
    assert np.allclose(offices["capacity_h"], offices["servers"] * 7.0 * 80)
    town = q[q["stage"] == "township"].merge(world.townships[["township", "service_staff"]], on="township")
    assert (town["servers"] == town["service_staff"]).all()
    dept = q[q["stage"] == "department"]
    assert (dept["servers"] == round(1 + 1.0 * world.villages["population"].sum() / 1e5)).all()
    assert np.allclose(offices["utilisation"], offices["offered_h"] / offices["capacity_h"])
    names = (
        "civil_affairs",
        "human_resources_social_security",
        "natural_resources",
        "housing_construction",
        "market_regulation",
        "agriculture",
        "urban_management",
    )
    doubled = go(
        **{
            "departments.departments": [
                {"name": d, "staff_per_county": 2.0, "staff_per_100k_residents": 2.0} for d in names
            ]
        }
    )
    d2 = doubled.tables["queues"].query("stage == 'department'")
    assert d2["servers"].sum() == 2 * dept["servers"].sum()
    assert d2["utilisation"].sum() == pytest.approx(dept["utilisation"].sum() / 2, rel=0.03)


# ------------------------------------------------------------------ burden down (draws) and staff down


@pytest.mark.parametrize(
    "lever",
    [
        {"signboards_per_village": 10.0},
        {"admission_list": True},
        {"inspections_retained": 0.5},
        {"temporary_tasks_need_approval": True},
        {"hours_per_signboard_per_month": 4.0},
    ],
)
def test_each_burden_lever_removes_the_expected_admin_hours(lever: dict) -> None:
    """Drawn admin hours per working day fall by what admin_daily_hours() says the lever removes (±10 %)."""
    days = 730
    working_days = sum(1 for d in range(days) if (d + 4) % 7 < 5)

    def hours(**admin) -> tuple[float, float]:
        params = ModelParams.model_validate({"admin": {"year_end_peak_factor": 1.0, **admin}})
        drawn = draw_admin(params, days, lambda purpose: stream(5, 0, 0, 0, purpose)).hours.sum() / working_days
        return float(drawn), sum(admin_daily_hours(params.admin).values())

    base_drawn, base_formula = hours()
    cut_drawn, cut_formula = hours(**lever)
    assert base_formula - cut_formula > 0.3
    assert base_drawn - cut_drawn == pytest.approx(base_formula - cut_formula, rel=0.10)


def test_work_team_availability_and_ramp_up_set_member_days() -> None:
    """3 members per village present on availability x weekdays; arriving over 30 days costs half of them."""
    full = go(
        **{
            "workers.work_team.members_per_village": 3,
            "workers.work_team.ramp_up_days": 0,
            "workers.work_team.availability": 1.0,
            "run.warmup_days": 0,
        }
    )
    part = go(
        **{
            "workers.work_team.members_per_village": 3,
            "workers.work_team.ramp_up_days": 0,
            "workers.work_team.availability": 0.6,
            "run.warmup_days": 0,
        }
    )
    ramp = go(
        **{
            "workers.work_team.members_per_village": 3,
            "workers.work_team.ramp_up_days": 30,
            "workers.work_team.availability": 1.0,
            "run.warmup_days": 0,
        }
    )
    none = go(**{"workers.work_team.members_per_village": 0, "run.warmup_days": 0})
    members = 3 * 56
    weekdays = sum(1 for d in range(120) if (dt.date(2021, 1, 1) + dt.timedelta(d)).weekday() < 5)

    def member_days(r: Results) -> float:
        return float(r.tables["by_county"]["worker_days"].sum() - none.tables["by_county"]["worker_days"].sum())

    assert member_days(full) == members * weekdays
    assert member_days(part) == pytest.approx(0.6 * members * weekdays, abs=members)  # ±1 day each (rounding)
    lost = member_days(full) - member_days(ramp)  # arrival uniform on [0, 30): 15 days on average, 5/7 weekdays
    assert lost == pytest.approx(members * 15 * 5 / 7, rel=0.15)
    assert full.summary["household_visits_per_day"]["mean"] > part.summary["household_visits_per_day"]["mean"]
