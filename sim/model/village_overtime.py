"""Village overtime after the daily close: finish the work in progress that fits, then serve waiting requests.

Why a mixin of :class:`~sim.model.village.VillageSim`: overtime is one rule with its own edge cases
(it never overlaps the next duty period, only present workers stay), and it reads and changes the
village loop's state (queues, workers' jobs) through the same attributes the loop uses.
"""

from __future__ import annotations

from sim.model.calendar import EPS

INF = float("inf")


class OvertimeMixin:
    """Overtime methods of the village loop; the attributes they use are set by ``VillageSim.__init__``."""

    def _start_overtime(self, day: int, now: float) -> None:
        """Overtime after the close: finish requests in progress that fit, then serve waiting ones."""
        self.overtime_until = now + self.s.overtime_hours
        for w in self.busy_workers():
            self._finish_in_overtime(w, now)
        if self.urgent_q or self.routine_q:
            for w in list(self.free):
                if self.cal[w].present[day] if day < len(self.cal[w].present) else False:
                    self._overtime_job(w, now)

    def _finish_in_overtime(self, worker: int, now: float) -> None:
        """A request in progress at the close whose remaining work fits in the overtime is finished tonight."""
        job, start, overtime_from = self.job[worker]
        if job < 0 or overtime_from < INF:
            return
        cal = self.cal[worker]
        remaining = self.r_work[job] - (cal.duty_before(now) - cal.duty_before(start))
        if now + remaining > self._overtime_end(worker, now) + EPS:
            return
        self.job[worker] = (job, start, now)
        self._schedule_done(worker, now + max(remaining, 0.0))

    def _overtime_end(self, worker: int, now: float) -> float:
        """Overtime ends after overtime_hours, or earlier when the worker's next duty begins (never overlaps it)."""
        return min(self.overtime_until, self.cal[worker].next_duty_start(now))

    def _overtime_job(self, worker: int, now: float) -> bool:
        """Serve a waiting request after hours, if it ends within the overtime window."""
        q = self.urgent_q or self.routine_q
        if not q:
            return False
        job = q[0]
        if now + self.r_work[job] > self._overtime_end(worker, now) + EPS:
            return False
        self._observe_queue(now)
        q.popleft()
        self.free.remove(worker)
        self._start(worker, job, now, overtime=True)
        return True
