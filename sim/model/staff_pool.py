"""One staffed office: c staff on an office calendar, urgent first, coping under overload.

Why its own module: the county stage has several kinds of office (township service pools,
enforcement teams, departments) and every one is this queue; it is verified on its own against
Erlang C, Cobham's two-class formula and Ciw (tests/test_ladder.py).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from functools import partial

from sim.model.calendar import HOURS_PER_DAY, Calendar
from sim.model.event_list import CallbackList, Then
from sim.scenario.params import CopingParams


@dataclass(frozen=True)
class Window:
    """The measurement window and the end of the drain (hours)."""

    warmup: float
    horizon: float
    end: float

    @property
    def days(self) -> int:
        return int(math.ceil(self.horizon / HOURS_PER_DAY))


class StaffPool:
    """c regular staff on one office calendar; urgent first, then first come first served.

    Coping: while more than ``trigger`` requests wait, extra staff (up to ``extra_max``)
    take jobs; an extra staff member leaves when the queue is back at the trigger.
    Bookkeeping for stability: work offered and jobs submitted in the window, hours
    worked by extra staff, and the time integral of jobs in the system by day.
    """

    __slots__ = (
        "at_horizon",
        "busy",
        "cal",
        "clock",
        "daily_area",
        "extra_busy",
        "extra_hours",
        "extra_max",
        "in_system",
        "jobs",
        "last_change",
        "offered",
        "routine",
        "servers",
        "trigger",
        "urgent",
        "window",
    )

    def __init__(self, clock: CallbackList, servers: int, cal: Calendar, window: Window, coping: CopingParams) -> None:
        self.clock = clock
        self.cal = cal
        self.window = window
        self.servers = max(1, servers)
        self.extra_max = int(round(coping.max_extra_staff_ratio * self.servers))
        self.trigger = coping.trigger_waiting_per_staff * self.servers
        self.busy = 0
        self.extra_busy = 0
        self.urgent: deque[tuple[float, Then]] = deque()
        self.routine: deque[tuple[float, Then]] = deque()
        self.offered = 0.0
        self.jobs = 0
        self.extra_hours = 0.0
        self.in_system = 0
        self.last_change = 0.0
        self.daily_area = [0.0] * window.days
        self.at_horizon = 0  # jobs in the system at the horizon

    def waiting(self) -> int:
        return len(self.urgent) + len(self.routine)

    def submit(self, work: float, then: Then, urgent: bool) -> None:
        now = self.clock.now
        self._track(now, 1)
        if self.window.warmup <= now < self.window.horizon:
            self.offered += work
            self.jobs += 1
        if self.busy < self.servers:
            self.busy += 1
            self._start(work, then, extra=False)
            return
        (self.urgent if urgent else self.routine).append((work, then))
        self._call_extra_staff()

    def _next(self) -> tuple[float, Then]:
        return self.urgent.popleft() if self.urgent else self.routine.popleft()

    def _call_extra_staff(self) -> None:
        while self.extra_busy < self.extra_max and self.waiting() > self.trigger:
            self.extra_busy += 1
            self._start(*self._next(), extra=True)

    def _start(self, work: float, then: Then, extra: bool) -> None:
        now = self.clock.now
        if extra and self.window.warmup <= now < self.window.horizon:
            self.extra_hours += work
        self.clock.call_in(self.cal.advance(now, work) - now, partial(self._done, then, extra))

    def _done(self, then: Then, extra: bool) -> None:
        self._track(self.clock.now, -1)
        if extra:
            if self.waiting() > self.trigger:
                self._start(*self._next(), extra=True)
            else:
                self.extra_busy -= 1
        elif self.waiting():
            self._start(*self._next(), extra=False)
        else:
            self.busy -= 1
        then()

    def _track(self, now: float, delta: int) -> None:
        """Add jobs-in-system x time to each window day since the last change."""
        t, n, area = self.last_change, self.in_system, self.daily_area
        if n:
            end = min(now, self.window.horizon)
            while t < end:
                d = int(t // HOURS_PER_DAY)
                step = min(end, (d + 1) * HOURS_PER_DAY) - t
                area[d] += n * step
                t += step
        self.last_change = now
        self.in_system += delta

    def capacity_hours(self) -> float:
        """Regular staff's duty hours in the window."""
        w = self.window
        return self.servers * (self.cal.duty_before(w.horizon) - self.cal.duty_before(w.warmup))
