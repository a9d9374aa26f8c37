"""A village's administrative tasks for the whole horizon, drawn so that burden levers keep common random numbers.

Why one stream per signboard and thinning marks: cutting signboards from 20 to
10 must remove the tasks of ten signboards and leave the other ten signboards'
tasks exactly as they were; an admission list or fewer inspections must drop
tasks, not redraw them. So each signboard draws from its own named stream,
every task carries uniform marks, and a lever only decides which marked tasks
survive. A paired comparison of burden levers then differs only by the tasks
removed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.model.calendar import HOURS_PER_DAY, working_day_flags
from sim.model.distributions import lognormal_from_uniform, lognormal_parameters
from sim.scenario.params import AdminParams, ModelParams

WORKING_DAYS_PER_MONTH = 250.0 / 12.0


@dataclass(frozen=True)
class AdminArrays:
    """One village's admin tasks, sorted by arrival time (hours)."""

    time: np.ndarray
    hours: np.ndarray
    due: np.ndarray


def admin_daily_hours(admin: AdminParams) -> dict[str, float]:
    """Expected admin hours per working day by source (before the year-end peak); for calibration notes."""
    inspections = admin.inspection_share * admin.inspections_retained + (1 - admin.inspection_share)
    admitted = 1.0 - admin.admission_blocked_share if admin.admission_list else 1.0
    temporary = admin.temporary_tasks_per_week / 5.0 * admin.temporary_task_hours
    if admin.temporary_tasks_need_approval:
        temporary *= admin.temporary_approval_share
    return {
        "signboards": admin.signboards_per_village
        * admin.hours_per_signboard_per_month
        * inspections
        * admitted
        / WORKING_DAYS_PER_MONTH,
        "documents": admin.documents_per_day * admin.document_hours * admitted,
        "temporary": temporary * admitted,
        "meetings": admin.township_meetings_per_week / 5.0 * admin.meeting_hours * admin.meeting_attendees,
    }


@dataclass(frozen=True)
class _Calendar:
    weekdays: np.ndarray
    december: np.ndarray
    open_hour: float
    close_hour: float


@lru_cache(maxsize=64)
def _admin_calendar(start_date: str, days: int, official: bool, open_hour: float, close_hour: float) -> _Calendar:
    """Working days and December days of a run, shared by its villages (read-only arrays).

    Why cached: every village of a run has the same calendar, and building it day by day
    cost a fifth of drawing a village's admin tasks.
    """
    start = dt.date.fromisoformat(start_date)
    weekdays = np.array(working_day_flags(start_date, days, official))
    december = np.array([(start + dt.timedelta(days=d)).month == 12 for d in range(days)])
    weekdays.flags.writeable = december.flags.writeable = False
    return _Calendar(weekdays, december, open_hour, close_hour)


def draw_admin(params: ModelParams, days: int, streams: Callable[[str], np.random.Generator]) -> AdminArrays:
    """Signboard tasks, a daily documents batch, temporary tasks and meetings of one village."""
    admin = params.admin
    if params.verification_mode:
        return AdminArrays(time=np.zeros(0), hours=np.zeros(0), due=np.zeros(0))
    periods = params.workers.duty.periods
    cal = _admin_calendar(
        params.world.start_date, days, params.calendar.official_holidays, periods[0][0], periods[-1][1]
    )
    due_hours = admin.due_days * HOURS_PER_DAY * 7.0 / 5.0
    admitted_mark = admin.admission_blocked_share if admin.admission_list else 0.0
    parts = [_signboards(admin, cal, streams, due_hours, admitted_mark)]
    parts.append(_documents(admin, cal, streams("admin.documents"), admitted_mark))
    parts.append(_temporary(admin, cal, streams("admin.temporary"), due_hours, admitted_mark))
    parts.append(_meetings(admin, cal, streams("admin.meetings")))
    t = np.concatenate([p[0] for p in parts])
    order = np.argsort(t, kind="stable")
    return AdminArrays(
        time=t[order],
        hours=np.concatenate([p[1] for p in parts])[order],
        due=np.concatenate([p[2] for p in parts])[order],
    )


Part = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TaskKind:
    """A kind of admin task: its Poisson rate on each working day, its lognormal length, its uniform marks."""

    rate_per_weekday: np.ndarray
    mean_hours: float
    cv: float
    marks: int = 0  # uniforms drawn with each task (thinning decisions), in its row


def _tasks(rng: np.random.Generator, cal: _Calendar, kind: TaskKind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson tasks on working days within duty hours: (times, lengths, uniform marks (n x marks))."""
    day, u = _task_rows(rng, np.where(cal.weekdays, kind.rate_per_weekday, 0.0), 2 + kind.marks)
    return _task_times(cal, day, u[:, 0]), _lognormal(u[:, 1], kind.mean_hours, kind.cv), u[:, 2:]


def _task_rows(rng: np.random.Generator, day_rate: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Each task's day and its row of uniforms (time, length, marks).

    Why rows: the tasks of the first days do not depend on the horizon, so a shorter run is a
    prefix of a longer one; counts and attributes come from two children, so neither shifts the
    other's draws.
    """
    count_rng, attribute_rng = rng.spawn(2)
    counts = count_rng.poisson(day_rate)
    day = np.repeat(np.arange(len(counts)), counts)
    return day, attribute_rng.random((len(day), columns))


def _task_times(cal: _Calendar, day: np.ndarray, u: np.ndarray) -> np.ndarray:
    return day * HOURS_PER_DAY + cal.open_hour + u * (cal.close_hour - cal.open_hour)


def _signboards(
    admin: AdminParams, cal: _Calendar, streams: Callable[[str], np.random.Generator], due_hours: float, blocked: float
) -> Part:
    """Each signboard its own stream; a fractional last signboard keeps a share of its tasks.

    Why times and lengths after the loop: the kept rows of all signboards go through one
    vectorised call instead of one per signboard (the same numbers, element by element).
    """
    count = admin.signboards_per_village
    per_signboard = admin.hours_per_signboard_per_month / WORKING_DAYS_PER_MONTH / admin.signboard_task_hours
    day_rate = np.where(cal.weekdays, per_signboard * np.where(cal.december, admin.year_end_peak_factor, 1.0), 0.0)
    days, rows = [np.zeros(0, dtype=np.int64)], [np.zeros((0, 6))]
    for k in range(math.ceil(count)):
        day, u = _task_rows(streams(f"admin.signboard.{k}"), day_rate, 6)
        keep = u[:, 2] < min(1.0, count - k)  # the fractional last signboard
        inspection = u[:, 3] < admin.inspection_share
        keep &= ~inspection | (u[:, 4] < admin.inspections_retained)
        keep &= u[:, 5] >= blocked
        days.append(day[keep])
        rows.append(u[keep])
    day, u = np.concatenate(days), np.concatenate(rows)
    t = _task_times(cal, day, u[:, 0])
    return t, _lognormal(u[:, 1], admin.signboard_task_hours, 0.5), t + due_hours


def _documents(admin: AdminParams, cal: _Calendar, rng: np.random.Generator, blocked: float) -> Part:
    """One batch a working day; the admission list shortens it (fewer documents), it does not redraw it."""
    hours = admin.documents_per_day * admin.document_hours
    if hours <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    t, length, _ = _tasks(rng, cal, TaskKind(np.full(len(cal.weekdays), 1.0), hours, 0.3))
    return t, length * (1.0 - blocked), t + HOURS_PER_DAY


def _temporary(admin: AdminParams, cal: _Calendar, rng: np.random.Generator, due_hours: float, blocked: float) -> Part:
    if admin.temporary_task_hours <= 0 or admin.temporary_tasks_per_week <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    rate = np.full(len(cal.weekdays), admin.temporary_tasks_per_week / 5.0)
    t, length, u = _tasks(rng, cal, TaskKind(rate, admin.temporary_task_hours, 0.5, 2))
    approved = u[:, 0] < (admin.temporary_approval_share if admin.temporary_tasks_need_approval else 1.0)
    keep = approved & (u[:, 1] >= blocked)
    return t[keep], length[keep], t[keep] + due_hours


def _meetings(admin: AdminParams, cal: _Calendar, rng: np.random.Generator) -> Part:
    """Each meeting occupies each attendee: one task per attendee, due at once."""
    if admin.meeting_hours <= 0 or admin.meeting_attendees <= 0 or admin.township_meetings_per_week <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    rate = np.full(len(cal.weekdays), admin.township_meetings_per_week / 5.0)
    t, _, _ = _tasks(rng, cal, TaskKind(rate, admin.meeting_hours, 0.0))
    t = np.repeat(t, admin.meeting_attendees)
    return t, np.full(len(t), admin.meeting_hours), t.copy()


def _lognormal(u: np.ndarray, mean: float, cv: float) -> np.ndarray:
    """Lognormal lengths with this mean and CV from uniforms (inverse CDF)."""
    if cv == 0.0 or mean == 0.0:
        return np.full(len(u), mean)
    return lognormal_from_uniform(u, *lognormal_parameters(mean, cv))
