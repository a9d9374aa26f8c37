"""China's official calendar (holidays and make-up working days) from ``chinesecalendar``, with its years.

Why a package and not a table of dates here: the State Council publishes each year's holidays and
调休 make-up days in a notice late in the previous year, and the dates of the lunar festivals
(Spring Festival, Dragon Boat, Mid-Autumn) move; the ``chinesecalendar`` package is maintained
from those notices. Its tables end with the last year published, so a run that reaches past them
is a scenario error at load time (naming ``world.start_date``) rather than a silent fallback to a
plain week. It lives in the scenario layer because both the loader's check and the model read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import chinese_calendar
from chinese_calendar import constants

from sim.scenario.errors import ScenarioError
from sim.scenario.params import Scenario

DayKind = Literal["workday", "weekend", "holiday", "makeup"]
START_FIELD = "world.start_date"


def covered_years() -> tuple[int, int]:
    """First and last year the installed ``chinesecalendar`` has official holidays for (e.g. 2004-2026)."""
    years = [d.year for d in constants.holidays]
    return min(years), max(years)


def run_dates(start_date: str, days: int) -> tuple[dt.date, dt.date]:
    """First and last date of ``days`` simulated days from ``start_date`` (day d is start + d)."""
    start = dt.date.fromisoformat(start_date)
    return start, start + dt.timedelta(days=max(days, 1) - 1)


def coverage_problem(start_date: str, days: int) -> str | None:
    """Why ``days`` days from ``start_date`` cannot follow the official calendar, or None if they can."""
    first, last = run_dates(start_date, days)
    low, high = covered_years()
    if low <= first.year and last.year <= high:
        return None
    version = getattr(chinese_calendar, "__version__", "?")
    return (
        f"with calendar.official_holidays on, the run's dates {first}..{last} (run.days + run.drain_days) "
        f"must lie in {low}-{high}, the years chinesecalendar {version} has official holidays for; "
        "start earlier, shorten the run, upgrade chinesecalendar, or switch calendar.official_holidays off"
    )


@lru_cache(maxsize=256)
def day_kinds(start_date: str, days: int) -> tuple[DayKind, ...]:
    """The official kind of each simulated day: workday, weekend, holiday or makeup (a weekend worked).

    Raises ValueError (the coverage message) for a day outside the package's years.
    """
    problem = coverage_problem(start_date, days)
    if problem is not None:
        raise ValueError(problem)
    start = dt.date.fromisoformat(start_date)
    kinds: list[DayKind] = []
    for d in range(days):
        date = start + dt.timedelta(days=d)
        if date in constants.holidays:
            kinds.append("holiday")
        elif date in constants.workdays:
            kinds.append("makeup")
        else:
            kinds.append("workday" if date.weekday() < 5 else "weekend")
    return tuple(kinds)


def official_working_days(start_date: str, days: int) -> list[bool]:
    """True for each simulated day that is an official working day (weekdays and make-up days, no holidays)."""
    return [kind in ("workday", "makeup") for kind in day_kinds(start_date, days)]


Locate = Callable[[tuple[str | int, ...]], tuple[str | None, int | None]]


def calendar_problems(scenario: Scenario, locate: Locate) -> list[ScenarioError]:
    """The official calendar must cover every date the scenario's run touches (horizon and drain)."""
    if not scenario.calendar.official_holidays:
        return []
    days = int(round(scenario.run.days)) + int(round(scenario.run.drain_days)) + 1
    problem = coverage_problem(scenario.world.start_date, days)
    if problem is None:
        return []
    file, line = locate(("world", "start_date"))
    if line is None:
        file, line = locate(("calendar", "official_holidays"))
    return [ScenarioError(problem, file=file, line=line, field=START_FIELD)]
