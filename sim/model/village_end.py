"""Two read-outs of a village loop's state: what is open at the horizon, and the books when it stops.

Why apart from the loop: both run once per village and read the whole state (queues, workers'
jobs, requests on call and in follow-up), while the loop's handlers each change a little of it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.calendar import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.model.village import VillageSim


def open_at_horizon(village: VillageSim) -> int:
    """The window's new requests still open in the village: waiting, in service, on call or in follow-up."""
    warmup, t, new = village.s.warmup, village.r_time, village.first_new
    waiting = [i for q in (village.urgent_q, village.routine_q) for i in q]
    serving = [job for job, _start, _ot in (village.job[w] for w in village.busy_workers()) if job >= 0]
    open_here = sum(1 for i in waiting + serving if i >= new and t[i] >= warmup)
    return open_here + sum(
        1
        for i in village.on_call + village.follow_ups
        if i >= new and t[i] >= warmup and village.village_done[i] + village.r_follow_up[i] >= village.s.horizon
    )


def finish(village: VillageSim) -> None:
    """Book jobs still in progress when the loop stopped (clipped to the window) and the window's duty totals."""
    s = village.s
    now = village.events.now
    last_day = village.window_days - 1
    if village.last_closed < last_day:  # a close due exactly when the loop stops: the loop stops before it
        village.close_day(last_day, min(now, last_day * HOURS_PER_DAY + s.close_hour))
    village.observe_queue(now)
    for w in village.busy_workers():
        job, start, overtime_from = village.job[w]
        village.book_job(w, job, start, now, overtime_from)
    _book_duty(village)


def _book_duty(village: VillageSim) -> None:
    """Each worker's duty hours and present days in the window; apps time on present days counts as admin."""
    s, ledger = village.s, village.ledger
    first_day = int(s.warmup // HOURS_PER_DAY)
    last_day = int(math.ceil(s.horizon / HOURS_PER_DAY))
    for w, cal in enumerate(village.cal):
        present = cal.present_days_between(first_day, last_day)
        apps = s.apps_hours[w] * present
        ledger.admin += apps
        ledger.duty += cal.duty_before(s.horizon) - cal.duty_before(s.warmup) + apps
        ledger.worker_days += present
