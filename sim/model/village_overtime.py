"""Village overtime after the daily close: finish the work in progress that fits, then serve waiting requests.

Why functions of the village loop rather than methods: overtime is one rule with its own edge cases
(it never overlaps the next duty period, only present workers stay), kept apart from the loop; it
reads and changes the loop's state (queues, workers' jobs) through the loop's own attributes and
its ``observe_queue`` / ``start_job`` / ``schedule_done`` steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sim.model.calendar import EPS

if TYPE_CHECKING:
    from sim.model.village import VillageSim

INF: Final = float("inf")


def start_overtime(village: VillageSim, day: int, now: float) -> None:
    """Overtime after the close: finish requests in progress that fit, then serve waiting ones."""
    village.overtime_until = now + village.s.overtime_hours
    for w in village.busy_workers():
        finish_in_overtime(village, w, now)
    if village.urgent_q or village.routine_q:
        for w in list(village.free):
            present = village.cal[w].present
            if present[day] if day < len(present) else False:
                overtime_job(village, w, now)


def finish_in_overtime(village: VillageSim, worker: int, now: float) -> None:
    """A request in progress at the close whose remaining work fits in the overtime is finished tonight."""
    job, start, overtime_from = village.job[worker]
    if job < 0 or overtime_from < INF:
        return
    cal = village.cal[worker]
    remaining = village.r_work[job] - (cal.duty_before(now) - cal.duty_before(start))
    if now + remaining > overtime_end(village, worker, now) + EPS:
        return
    village.job[worker] = (job, start, now)
    village.schedule_done(worker, now + max(remaining, 0.0))


def overtime_end(village: VillageSim, worker: int, now: float) -> float:
    """Overtime ends after overtime_hours, or earlier when the worker's next duty begins (never overlaps it)."""
    return min(village.overtime_until, village.cal[worker].next_duty_start(now))


def overtime_job(village: VillageSim, worker: int, now: float) -> bool:
    """Serve a waiting request after hours, if it ends within the overtime window."""
    q = village.urgent_q or village.routine_q
    if not q:
        return False
    job = q[0]
    if now + village.r_work[job] > overtime_end(village, worker, now) + EPS:
        return False
    village.observe_queue(now)
    q.popleft()
    village.free.remove(worker)
    village.start_job(worker, job, now, overtime=True)
    return True
