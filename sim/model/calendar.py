"""Duty calendars: when a worker is on duty, and how work advances through duty time.

Why a calendar instead of events at every shift change: a job paused at the end
of the day and resumed the next morning is one completion event computed by
:meth:`Calendar.advance`; the queue sees it as an ordinary server. Time is in
hours from 00:00 of simulated day 0.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from sim.scenario.official_days import official_working_days

HOURS_PER_DAY: Final = 24.0
INF: Final = math.inf
#: One tolerance for every comparison of a time with a duty boundary (hours; 3.6 microseconds).
#: Why: ``d * 24 + start`` minus ``d * 24`` is not exactly ``start`` in floating point, so a duty
#: start computed by :meth:`Calendar.next_duty_start` could be rejected by :meth:`Calendar.on_duty`
#: and a village would re-wake at the same instant forever. Every duty check goes through
#: :func:`split` and :data:`EPS`, so "the next duty start" is always "on duty".
EPS: Final = 1e-9


def split(t: float) -> tuple[int, float]:
    """(day, hour of day) of time ``t``; an hour within EPS of midnight belongs to the next day."""
    d = int(t // HOURS_PER_DAY)
    x = t - d * HOURS_PER_DAY
    if x >= HOURS_PER_DAY - EPS:
        return d + 1, 0.0
    return d, x


def in_period(x: float, start: float, end: float) -> bool:
    """Whether hour of day ``x`` lies in the duty period [start, end), with the shared tolerance."""
    return start - EPS <= x < end - EPS


class Calendar:
    """Presence by day plus the same duty periods on every present day."""

    __slots__ = (
        "_cum_within",
        "_starts",
        "cum",
        "day_hours",
        "first_start",
        "last_end",
        "periods",
        "present",
        "present_days",
    )

    def __init__(self, present: Sequence[bool], periods: Sequence[tuple[float, float]]) -> None:
        # a period no longer than the tolerance can never be "on duty": drop it (apps time can eat a period)
        self.periods: tuple[tuple[float, float], ...] = tuple(
            (float(s), float(e)) for s, e in periods if e - s > 2 * EPS
        )
        self.day_hours: float = sum(e - s for s, e in self.periods)
        self.present: list[bool] = [bool(p) for p in present]
        cum: list[int] = [0]
        for p in self.present:
            cum.append(cum[-1] + (1 if p else 0))
        self.cum = cum
        self.present_days: list[int] = [d for d, p in enumerate(self.present) if p]
        self.first_start: float = self.periods[0][0] if self.periods else 0.0
        self.last_end: float = self.periods[-1][1] if self.periods else 0.0
        within: list[float] = [0.0]
        for s, e in self.periods:
            within.append(within[-1] + (e - s))
        self._cum_within = within
        self._starts = [s for s, _ in self.periods]

    # -------------------------------------------------------------- queries
    def within_day(self, x: float) -> float:
        """Duty hours from 00:00 up to hour-of-day ``x`` on a present day."""
        total = 0.0
        for s, e in self.periods:
            if x <= s:
                break
            total += (min(e, x)) - s
        return total

    def duty_before(self, t: float) -> float:
        """Cumulative duty hours in [0, t)."""
        d = int(t // HOURS_PER_DAY)
        if d >= len(self.present):
            return self.cum[-1] * self.day_hours
        base = self.cum[d] * self.day_hours
        if self.present[d]:
            return base + self.within_day(t - d * HOURS_PER_DAY)
        return base

    def present_days_between(self, day_from: int, day_to: int) -> int:
        """Present days d with day_from <= d < day_to."""
        n = len(self.present)
        return self.cum[max(0, min(day_to, n))] - self.cum[max(0, min(day_from, n))]

    def on_duty(self, t: float) -> bool:
        d, x = split(t)
        if d >= len(self.present) or not self.present[d]:
            return False
        for s, e in self.periods:
            if in_period(x, s, e):
                return True
        return False

    def next_duty_start(self, t: float) -> float:
        """Earliest time >= t at which the worker is on duty (inf if never); ``on_duty`` holds there."""
        d, x = split(t)
        if d < len(self.present) and self.present[d]:
            for s, e in self.periods:
                if x < e - EPS:
                    return d * HOURS_PER_DAY + max(x, s)
        i = self.cum[min(d + 1, len(self.present))]
        if i >= len(self.present_days) or not self.periods:
            return INF
        return self.present_days[i] * HOURS_PER_DAY + self.first_start

    def advance(self, t: float, work: float) -> float:
        """The time at which ``work`` duty hours started at ``t`` are done."""
        d, x = split(t)
        if d < len(self.present) and self.present[d]:  # fast path: the job ends in the period it starts in
            for s, e in self.periods:
                if in_period(x, s, e):
                    if x + work <= e:
                        return t + work
                    break
        target = self.duty_before(t) + work
        if self.day_hours <= 0.0:
            return INF
        n_full = int(target // self.day_hours)
        rem = target - n_full * self.day_hours
        if rem <= 1e-12 and n_full > 0:
            n_full -= 1
            rem = self.day_hours
        if n_full >= len(self.present_days):
            return INF
        day = self.present_days[n_full]
        within = self._cum_within
        k = bisect_left(within, rem) - 1
        k = max(0, min(k, len(self.periods) - 1))
        s, _ = self.periods[k]
        return day * HOURS_PER_DAY + s + (rem - within[k])

    def add_free_time(
        self, a: float, b: float, visit_hours: float, free_hours: list[float], capacity: list[int]
    ) -> None:
        """Add the duty hours of [a, b) to ``free_hours`` by day, and whole visits that fit in each period.

        The hot path of visit accounting: no lists are built.
        """
        d = int(a // HOURS_PER_DAY)
        n = len(self.present)
        present, periods = self.present, self.periods
        while d < n and d * HOURS_PER_DAY < b:
            if present[d]:
                base = d * HOURS_PER_DAY
                for s, e in periods:
                    lo = base + s
                    if lo < a:
                        lo = a
                    hi = base + e
                    if hi > b:
                        hi = b
                    if hi > lo:
                        piece = hi - lo
                        free_hours[d] += piece
                        if visit_hours < INF:
                            capacity[d] += int(piece / visit_hours + 1e-9)
            d += 1


def weekday_flags(start_date: str, days: int) -> list[bool]:
    """True for Monday-Friday, for each simulated day from ``start_date``."""
    start = dt.date.fromisoformat(start_date)
    return [(start + dt.timedelta(days=d)).weekday() < 5 for d in range(days)]


@lru_cache(maxsize=64)
def working_day_flags(start_date: str, days: int, official: bool = False) -> tuple[bool, ...]:
    """True for each working day: Monday-Friday, or with ``official`` the official calendar.

    The one place every duty calendar and the admin stream ask "is day d a working day", so that
    switching the official calendar on moves holidays and make-up days everywhere at once; off, it
    is exactly :func:`weekday_flags`. Cached (and so a tuple, which nobody can change): the date
    arithmetic cost 117 µs a call, 80 % of building a work-team member's calendar, and every
    calendar and village of a run asks the same question.
    """
    flags = official_working_days(start_date, days) if official else weekday_flags(start_date, days)
    return tuple(flags)


@dataclass(frozen=True)
class DutyPlan:
    """What every calendar of a run shares: its first day, its length, the duty periods, whose working days."""

    start_date: str
    days: int
    periods: tuple[tuple[float, float], ...]
    official: bool = False  # the official calendar (holidays, make-up days) instead of plain weekdays


@lru_cache(maxsize=4096)
def cadre_calendar(plan: DutyPlan, n_cadres: int, index: int, weekend_on_duty: int, apps_hours: float) -> Calendar:
    """A cadre's calendar: every working day, plus off days (weekends, holidays) by a rotating roster.

    The first ``apps_hours`` of each duty day go to government apps (accounted as
    admin time), so the calendar's first period starts that much later. With ``official``
    an official holiday is an off day served by the roster and a make-up day a working day.
    """
    flags = working_day_flags(plan.start_date, plan.days, plan.official)
    present: list[bool] = []
    weekend_slot = 0
    for is_weekday in flags:
        if is_weekday:
            present.append(True)
            continue
        on = any(
            (weekend_slot * weekend_on_duty + j) % max(n_cadres, 1) == index
            for j in range(min(weekend_on_duty, n_cadres))
        )
        present.append(on)
        weekend_slot += 1
    return Calendar(present, shift_start(plan.periods, apps_hours))


@lru_cache(maxsize=4096)
def member_calendar(plan: DutyPlan, availability: float, phase: float, arrival_day: int, apps_hours: float) -> Calendar:
    """A work-team member's calendar: working days from arrival, a share ``availability`` of them.

    Presence is spread evenly (a Bresenham pattern shifted by ``phase``) rather
    than drawn day by day, so availability is exact over any few weeks.
    """
    flags = working_day_flags(plan.start_date, plan.days, plan.official)
    present: list[bool] = []
    j = 0
    for d, is_weekday in enumerate(flags):
        if not is_weekday or d < arrival_day:
            present.append(False)
            continue
        on = math.floor((j + 1 + phase) * availability) > math.floor((j + phase) * availability)
        present.append(on)
        j += 1
    return Calendar(present, shift_start(plan.periods, apps_hours))


@lru_cache(maxsize=64)
def office_calendar(plan: DutyPlan) -> Calendar:
    """Township and department staff: working days (weekdays, or the official calendar), the standard periods."""
    return Calendar(working_day_flags(plan.start_date, plan.days, plan.official), plan.periods)


@lru_cache(maxsize=16)
def always_on_calendar(days: int) -> Calendar:
    """Verification mode: on duty around the clock, every day."""
    return Calendar([True] * days, ((0.0, HOURS_PER_DAY),))


def shift_start(periods: Sequence[tuple[float, float]], hours: float) -> tuple[tuple[float, float], ...]:
    """Remove ``hours`` from the start of the day's duty (spilling into later periods)."""
    out = []
    left = hours
    for s, e in periods:
        if left > 0.0:
            cut = min(left, e - s)
            s = e if cut == e - s else s + cut
            left -= cut
        out.append((s, e))
    return tuple(out)
