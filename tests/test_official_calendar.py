"""The official calendar (issue 18 part 2): holidays and make-up days in duty calendars and demand.

Deterministic cases from the State Council's 2021 National Day notice (via ``chinesecalendar``):
1-7 October are holidays, Sunday 26 September and Saturday 9 October are worked in lieu. With the
switch off (the default) every calendar and demand factor must be exactly what it was before.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from helpers import small_city
from sim.experiment.runner import RunOptions, check_calendar_coverage, run
from sim.model import village_inputs
from sim.model.admin_tasks import draw_admin
from sim.model.calendar import (
    HOURS_PER_DAY,
    DutyPlan,
    cadre_calendar,
    office_calendar,
    weekday_flags,
    working_day_flags,
)
from sim.model.demand import _season, day_factors
from sim.model.streams import stream
from sim.scenario.errors import ScenarioError
from sim.scenario.official_days import covered_years, day_kinds
from sim.scenario.params import CalendarParams, RequestParams

START = "2021-09-20"  # a Monday; day d is START + d
DAYS = 25  # to 2021-10-14
PERIODS = ((8.5, 12.0), (14.5, 18.0))
ON = CalendarParams(official_holidays=True, holiday_demand_factor=0.3, makeup_workday_demand_factor=0.9)


def day(date: str) -> int:
    return (dt.date.fromisoformat(date) - dt.date.fromisoformat(START)).days


NATIONAL_DAY = [day(f"2021-10-0{k}") for k in range(1, 8)]
MAKEUP = [day("2021-09-26"), day("2021-10-09")]  # a Sunday and a Saturday
MID_AUTUMN = [day("2021-09-20"), day("2021-09-21")]  # Monday and Tuesday off (made up on Saturday 18 Sep)


def test_the_library_covers_the_reference_years() -> None:
    low, high = covered_years()
    assert low <= 2021 and high >= 2023  # baseline 2021, the reform years 2022-2023


def test_national_day_2021_are_off_days_and_makeup_weekends_are_duty_days() -> None:
    kinds = day_kinds(START, DAYS)
    assert [kinds[d] for d in NATIONAL_DAY] == ["holiday"] * 7
    assert [kinds[d] for d in MAKEUP] == ["makeup", "makeup"]
    assert [kinds[d] for d in MID_AUTUMN] == ["holiday", "holiday"]
    flags = working_day_flags(START, DAYS, official=True)
    assert not any(flags[d] for d in NATIONAL_DAY + MID_AUTUMN)
    assert all(flags[d] for d in MAKEUP)
    # every other day is as in a plain week
    plain = weekday_flags(START, DAYS)
    assert [d for d in range(DAYS) if flags[d] != plain[d]] == sorted(
        MID_AUTUMN + MAKEUP + [day("2021-10-01"), *NATIONAL_DAY[3:]]  # 2-3 Oct are a weekend anyway
    )
    office = office_calendar(DutyPlan(START, DAYS, PERIODS, official=True))
    assert office.present[day("2021-10-08")] and office.present[day("2021-09-26")]  # back at work; in lieu
    assert not office.present[day("2021-10-04")]  # a Monday of the National Day week: offices closed


def test_demand_factor_per_day_equals_the_hand_computed_one() -> None:
    requests = RequestParams(seasonal_peaks=[])  # season factor 1, so the day kind alone decides
    got = day_factors(requests, START, DAYS, ON)
    hand = {
        "2021-09-20": 0.3,  # Mid-Autumn holiday (Monday)
        "2021-09-21": 0.3,  # Mid-Autumn (Tuesday)
        "2021-09-22": 1.2,  # Wednesday
        "2021-09-25": 0.5,  # ordinary Saturday
        "2021-09-26": 0.9,  # Sunday worked in lieu
        "2021-10-01": 0.3,  # National Day (Friday)
        "2021-10-02": 0.3,  # National Day (Saturday): the holiday factor, not the weekend factor
        "2021-10-08": 1.2,  # Friday back at work
        "2021-10-09": 0.9,  # Saturday worked in lieu
        "2021-10-10": 0.5,  # ordinary Sunday
    }
    for date, factor in hand.items():
        assert got[day(date)] == pytest.approx(factor), date


def test_seasonal_peaks_still_multiply_the_day_kind() -> None:
    requests = RequestParams(seasonal_peaks=[{"start": "10-01", "end": "10-31", "factor": 2.0}])
    got = day_factors(requests, START, DAYS, ON)
    year = [dt.date(2021, 9, 20) + dt.timedelta(days=d) for d in range(365)]
    mean = np.mean([_season(requests, d) for d in year])  # normalised over the year from the start
    assert got[day("2021-10-03")] == pytest.approx(0.3 * 2.0 / mean)
    assert got[day("2021-09-26")] == pytest.approx(0.9 * 1.0 / mean)


def test_default_off_gives_the_same_factors_and_calendars_as_before() -> None:
    requests = RequestParams()
    for start, days in (("2021-01-01", 400), (START, DAYS), ("2030-05-05", 60)):  # off: no coverage needed
        before = _factors_before(requests, start, days)
        assert np.array_equal(day_factors(requests, start, days), before)
        assert np.array_equal(day_factors(requests, start, days, CalendarParams()), before)
        assert list(working_day_flags(start, days)) == weekday_flags(start, days)
    cals = [cadre_calendar(DutyPlan("2021-01-01", 120, PERIODS), 4, i, 1, 0.5) for i in range(4)]
    off = [cadre_calendar(DutyPlan("2021-01-01", 120, PERIODS, False), 4, i, 1, 0.5) for i in range(4)]
    assert [c.present for c in cals] == [c.present for c in off]


def _factors_before(requests: RequestParams, start_date: str, days: int) -> np.ndarray:
    """The demand factors as computed before the official calendar existed (copied from demand.py)."""
    start = dt.date.fromisoformat(start_date)
    season_year = np.array([_season(requests, start + dt.timedelta(days=d)) for d in range(365)])
    season_year /= season_year.mean()
    season = np.array([season_year[d % 365] for d in range(days)])
    return season * np.where(weekday_flags(start_date, days), requests.weekday_factor, requests.weekend_factor)


def test_a_villages_regular_cadres_do_not_work_on_a_holiday_only_the_roster() -> None:
    params = small_city(
        "cases/official_calendar.yaml",
        **{"world.start_date": START, "workers.duty.weekend_on_duty": 1, "workers.work_team.members_per_village": 2},
    ).model_params()
    village = pd.Series({"cadres": 5, "team_members": 2})
    calendars, _ = village_inputs.worker_calendars(params, village, DAYS, stream(1, 0, 0, 0, "roster"))
    cadres, members = calendars[:5], calendars[5:]
    for d in NATIONAL_DAY + MID_AUTUMN:
        assert sum(c.present[d] for c in cadres) == 1, d  # the roster's one cadre
        assert not any(m.present[d] for m in members), d  # members work only on working days
    for d in MAKEUP:
        assert all(c.present[d] for c in cadres), d  # a make-up day is a full working day
    on_holidays = [sum(c.present[d] for d in NATIONAL_DAY + MID_AUTUMN) for c in cadres]
    assert max(on_holidays) - min(on_holidays) <= 1  # the roster rotates through the holidays
    # the same village on a plain week: every cadre works the weekdays of the holiday week
    plain = params.model_copy(update={"calendar": CalendarParams()})
    calendars, _ = village_inputs.worker_calendars(plain, village, DAYS, stream(1, 0, 0, 0, "roster"))
    assert all(c.present[day("2021-10-04")] for c in calendars[:5])


def test_no_admin_tasks_arrive_on_a_holiday() -> None:
    params = small_city("cases/official_calendar.yaml", **{"world.start_date": START}).model_params()
    admin = draw_admin(params, DAYS, lambda purpose: stream(1, 0, 0, 0, purpose))
    days_with_tasks = set((admin.time // HOURS_PER_DAY).astype(int))
    assert days_with_tasks and not days_with_tasks & set(NATIONAL_DAY + MID_AUTUMN)
    assert set(MAKEUP) <= days_with_tasks  # documents arrive every working day


def test_a_run_beyond_the_librarys_years_is_a_scenario_error_naming_the_field() -> None:
    low, high = covered_years()
    with pytest.raises(ScenarioError) as caught:
        small_city(
            "cases/official_calendar.yaml",
            **{"world.start_date": f"{high}-12-01", "run.days": 60, "run.warmup_days": 5},
        )
    assert caught.value.field == "world.start_date"
    assert f"{low}-{high}" in caught.value.message and "calendar.official_holidays" in caught.value.message
    # in range at load time, but --days / --drain-days reach past the tables: the runner says so
    scen = small_city(
        "cases/official_calendar.yaml", **{"world.start_date": f"{high}-06-01", "run.days": 30, "run.warmup_days": 5}
    )
    with pytest.raises(ScenarioError) as caught:
        run(scen, RunOptions(days=365, drain_days=0, executor="serial"))
    assert caught.value.field == "world.start_date"
    check_calendar_coverage(scen, 30, 10)  # within the tables: no error
    # switched off, any year runs on a plain week
    small_city("baseline.yaml", **{"world.start_date": "2040-01-01"})
