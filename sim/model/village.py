"""One village or community: its workers, its queue of requests and admin tasks, its visits.

Why callbacks instead of a SimPy process per request: each request costs two
events (arrival, completion) and no generator frames; workers are plain
indices, the queue is three plain containers. One event list per village
keeps the heap tiny, and it is a plain heap of tuples in SimPy's order
(:mod:`sim.model.event_list`), not a SimPy environment. Visits need no
events at all: a worker's free duty time is cut into visit-sized pieces when
the free spell ends, and the day's visits are allocated to households at the
day's close.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Final

from sim.model.admin_tasks import AdminArrays
from sim.model.calendar import EPS, HOURS_PER_DAY, split
from sim.model.demand import RequestArrays
from sim.model.event_list import EventList
from sim.model.village_end import finish, open_at_horizon
from sim.model.village_overtime import overtime_job, start_overtime
from sim.model.village_setup import Ledger, VillageSetup
from sim.model.visits import VisitBook

INF: Final = math.inf
# what an event of the village's list is (its handler); ordered by how often they occur
DONE: Final = 0  # a worker's job is done: (worker, serial)
ADMIN: Final = 1  # an admin task arrives: (task,)
REQUEST: Final = 2  # a request arrives: (request,)
WAKE: Final = 3  # a free worker's duty begins
CLOSE: Final = 4  # the daily close: (day,)
HORIZON: Final = 5  # the end of the measurement window
END: Final = 6  # the end of the drain


class VillageSim:
    """Runs one village for the horizon; results land in ``first_response``, ``village_done`` and ``ledger``."""

    def __init__(
        self, setup: VillageSetup, requests: RequestArrays, admin: AdminArrays, visits: VisitBook, inherited: int = 0
    ) -> None:
        """``inherited``: the first requests of ``requests`` were waiting in the queues on day 0 (a warm start)."""
        self.events = EventList()  # one per village: its heap stays tiny
        self.s = setup
        self.visits = visits
        self.ledger = Ledger()
        n = len(requests.time)
        self.first_response = [INF] * n
        self.village_done = [INF] * n
        self.on_call: list[int] = []  # requests served by the on-call cadre
        self.follow_ups: list[int] = []  # finished requests that then wait on other parties
        self.open = 0  # requests arrived whose village part is not done
        self.open_at_horizon = 0  # the window's requests still open here at the horizon (counted from state)
        # plain lists are faster than numpy scalars inside the loop
        self.r_time: list[float] = requests.time.tolist()
        self.r_work: list[float] = requests.work.tolist()
        self.r_travel: list[float] = requests.travel.tolist()
        self.r_urgent: list[bool] = requests.urgent.tolist()
        self.r_follow_up: list[float] = requests.follow_up.tolist()
        self.a_time: list[float] = admin.time.tolist()
        self.a_hours: list[float] = admin.hours.tolist()
        self.a_due: list[float] = admin.due.tolist()
        n_workers = len(setup.calendars)
        self.cal = setup.calendars
        self.free: list[int] = list(range(n_workers))
        self.spell_start: list[float] = [0.0] * n_workers
        self.next_start: list[float] = [-INF] * n_workers
        # each worker's job: (request index >= 0 or admin task -(k+1), start, time its overtime part began or inf)
        self.job: list[tuple[int, float, float]] = [(0, 0.0, INF)] * n_workers
        self.serial = [0] * n_workers  # completion events carry it; a superseded completion is ignored
        self.urgent_q: deque[int] = deque()
        self.routine_q: deque[int] = deque()
        self.admin_q: list[tuple[float, int]] = []
        self.last_change = 0.0
        self.wake_at = INF
        self.no_duty_until = -INF  # see _dispatch
        n_days = int(math.ceil(setup.end / HOURS_PER_DAY))
        self.window_days = int(math.ceil(setup.horizon / HOURS_PER_DAY))
        self.capacity = [0] * n_days
        self.free_hours = [0.0] * n_days
        self.next_request = inherited
        self.first_new = inherited  # requests before it are the inherited backlog
        self.next_admin = 0
        self.overtime_until = -INF
        self.last_closed = -1
        self._start(inherited)

    def _start(self, inherited: int) -> None:
        """Queue a warm start's backlog, schedule the first events of each stream, and start work at 0."""
        # the horizon snapshot is scheduled first: it sees the state just before anything else at that instant
        self.events.schedule(self.s.horizon, HORIZON)
        self.events.schedule(self.s.end, END)
        for i in range(inherited):  # in arrival order, ahead of every new request
            (self.urgent_q if self.r_urgent[i] else self.routine_q).append(i)
        self.open = inherited
        self._schedule_request()
        self._schedule_admin()
        self._schedule_close(0)
        self._dispatch(0.0)

    # ------------------------------------------------------------ horizon and drain
    def _on_horizon(self) -> None:
        """Count the window's requests still open in the village (waiting, in service, on call, in follow-up)."""
        self.open_at_horizon = open_at_horizon(self)
        if self.open == 0:
            self.events.stop()

    def busy_workers(self) -> list[int]:
        free = set(self.free)
        return [w for w in range(len(self.cal)) if w not in free]

    # ------------------------------------------------------------ arrivals
    def _schedule_request(self) -> None:
        i = self.next_request
        if i < len(self.r_time):
            self.events.schedule(max(0.0, self.r_time[i] - self.events.now), REQUEST, i)  # 0: rounding of equal times

    def _schedule_admin(self) -> None:
        k = self.next_admin
        if k < len(self.a_time):
            self.events.schedule(max(0.0, self.a_time[k] - self.events.now), ADMIN, k)

    def _on_request(self, i: int) -> None:
        self.next_request = i + 1
        self._schedule_request()
        now = self.events.now
        self.open += 1
        if self.r_urgent[i]:
            if not any(c.on_duty(now) for c in self.cal):
                self._serve_on_call(i, now)
                return
            self.observe_queue(now)
            self.urgent_q.append(i)
        else:
            self.observe_queue(now)
            self.routine_q.append(i)
        self._dispatch(now)

    def _on_admin(self, k: int) -> None:
        self.next_admin = k + 1
        self._schedule_admin()
        heapq.heappush(self.admin_q, (self.a_due[k], k))
        self._dispatch(self.events.now)

    def _serve_on_call(self, i: int, now: float) -> None:
        """Out of hours an urgent request goes to the on-call cadre (time counted as overtime)."""
        start = now + self.s.on_call_delay
        self.first_response[i] = start
        self.village_done[i] = start + self.r_work[i]
        self.on_call.append(i)
        self.open -= 1  # nothing else of it happens in the village loop
        if self.s.warmup <= now < self.s.horizon:
            self.ledger.overtime += self.r_work[i]

    def observe_queue(self, now: float) -> None:
        """Add the queues' length since the last change to their time integral over the window (Little's L).

        Called just before a request joins or leaves a queue. The integrand is the containers'
        length, not a count kept from requests' timestamps, so L and the waits W measured from
        timestamps are independent measurements of the same queue.
        """
        lo = max(self.last_change, self.s.warmup)
        hi = min(now, self.s.horizon)
        if hi > lo:
            self.ledger.queue_area += (len(self.urgent_q) + len(self.routine_q)) * (hi - lo)
        self.last_change = now

    # ------------------------------------------------------------ dispatch
    def _next_job(self, now: float) -> int | None:
        """Pick the next job by policy: request index >= 0, admin task -(k+1)."""
        for activity in self.s.priority:
            if activity == "urgent":
                if self.urgent_q:
                    self.observe_queue(now)
                    return self.urgent_q.popleft()
            elif activity == "routine":
                if self.routine_q:
                    self.observe_queue(now)
                    return self.routine_q.popleft()
            elif self.admin_q and (activity == "admin" or self.admin_q[0][0] - now <= self.s.due_soon_hours):
                return -(heapq.heappop(self.admin_q)[1] + 1)
        return None

    def _dispatch(self, now: float) -> None:
        """Start waiting work on free workers who are on duty now; otherwise wake at the next duty start.

        ``no_duty_until``: the last scan found no free worker on duty before that time, and no worker
        has become free since (a worker leaving the free set cannot put one on duty), so the scan
        would find the same again; the wake for it is already scheduled. About a fifth of the calls
        in a county year end there.
        """
        if not self.free or not (self.urgent_q or self.routine_q or self.admin_q) or now < self.no_duty_until:
            return
        d, x = split(now)
        while self.free and (self.urgent_q or self.routine_q or self.admin_q):
            worker = -1
            for w in self.free:  # the first free worker on duty now (inlined Calendar.on_duty)
                c = self.cal[w]
                if d < len(c.present) and c.present[d]:
                    for s, e in c.periods:
                        if s - EPS <= x < e - EPS:  # calendar.in_period, inlined
                            worker = w
                            break
                    if worker >= 0:
                        break
            if worker < 0:
                wake = min(self._next_start(w, now) for w in self.free)
                if wake <= now:  # cannot happen with one notion of duty time; fail loudly rather than spin
                    raise RuntimeError(f"duty calendar inconsistency at t={now!r}: next duty start {wake!r}")
                self.no_duty_until = wake
                self._wake_at(wake)
                return
            job = self._next_job(now)
            if job is None:
                return
            self.free.remove(worker)
            self._close_spell(worker, now)
            self.start_job(worker, job, now, overtime=False)

    def _next_start(self, worker: int, now: float) -> float:
        """Next duty start of an off-duty worker, cached: it holds for the whole off-duty gap."""
        t = self.next_start[worker]
        if t < now:
            t = self.cal[worker].next_duty_start(now)
            self.next_start[worker] = t
        return t

    def _wake_at(self, t: float) -> None:
        if t < self.wake_at and t < self.s.end:
            self.wake_at = t
            self.events.schedule(t - self.events.now, WAKE)

    def _on_wake(self) -> None:
        now = self.events.now
        if now >= self.wake_at:
            self.wake_at = INF
        self._dispatch(now)

    def start_job(self, worker: int, job: int, now: float, overtime: bool) -> None:
        if job >= 0:
            self.first_response[job] = now
            work = self.r_work[job]
        else:
            work = self.a_hours[-job - 1]
        done = now + work if overtime else self.cal[worker].advance(now, work)
        self.job[worker] = (job, now, now if overtime else INF)
        self.schedule_done(worker, done)

    def schedule_done(self, worker: int, done: float) -> None:
        self.serial[worker] += 1
        if done < INF:
            self.events.schedule(done - self.events.now, DONE, worker, self.serial[worker])

    def _on_done(self, worker: int, serial: int) -> None:
        if serial != self.serial[worker]:  # the job was finished in overtime instead
            return
        now = self.events.now
        job, start, overtime_from = self.job[worker]
        self.book_job(worker, job, start, now, overtime_from)
        if job < 0:
            self._book_admin_done(-job - 1, now)
        else:
            self.village_done[job] = now
            if self.r_follow_up[job] > 0.0:
                self.follow_ups.append(job)
            self.open -= 1
            if self.open == 0 and now >= self.s.horizon:
                self.events.stop()
        self.free.append(worker)
        self.no_duty_until = -INF  # the new free worker may be on duty
        self.spell_start[worker] = now
        if now < self.overtime_until and overtime_job(self, worker, now):
            return
        self._dispatch(now)

    # ------------------------------------------------------------ accounting
    def _book_admin_done(self, k: int, now: float) -> None:
        """Count the window's admin tasks that have a deadline (not meetings, due at once) and the late ones."""
        if self.s.warmup <= self.a_time[k] < self.s.horizon and self.a_due[k] - self.a_time[k] >= self.a_hours[k]:
            self.ledger.admin_tasks += 1
            if now > self.a_due[k]:
                self.ledger.admin_late += 1

    def book_job(self, worker: int, job: int, start: float, end: float, overtime_from: float) -> None:
        """Book a job's duty part [start, overtime_from) as service/travel/admin, the rest as overtime."""
        s = self.s
        if overtime_from < end:
            if s.warmup <= overtime_from < s.horizon:
                self.ledger.overtime += end - overtime_from
            end = overtime_from
            if end <= start:
                return
        if end <= s.warmup:
            return
        if overtime_from == INF and start >= s.warmup and end < s.horizon:  # the calendar gave it exactly `work`
            inside = self.r_work[job] if job >= 0 else self.a_hours[-job - 1]
        else:
            cal = self.cal[worker]
            inside = cal.duty_before(min(end, s.horizon)) - cal.duty_before(max(start, s.warmup))
        if inside <= 0.0:
            return
        if job >= 0:
            work = self.r_work[job]
            travel = self.r_travel[job] * inside / work if work > 0 else 0.0
            self.ledger.travel += travel
            self.ledger.service += inside - travel
        else:
            self.ledger.admin += inside

    def _close_spell(self, worker: int, now: float) -> None:
        """Turn a worker's free duty time since the spell began into visit capacity by day."""
        start = self.spell_start[worker]
        if now <= start:
            return
        self.cal[worker].add_free_time(start, now, self.s.visit_hours, self.free_hours, self.capacity)
        self.spell_start[worker] = now

    # ------------------------------------------------------------ daily close
    def _schedule_close(self, day: int) -> None:
        t = day * HOURS_PER_DAY + self.s.close_hour
        if t <= self.s.end:
            self.events.schedule(t - self.events.now, CLOSE, day)

    def _on_close(self, day: int) -> None:
        self.close_day(day, self.events.now)
        self._schedule_close(day + 1)

    def close_day(self, day: int, now: float) -> None:
        """Turn the day's free duty time into visits, book the day's time use, start overtime."""
        self.last_closed = day
        for w in self.free:
            self._close_spell(w, now)
        in_window = day < self.window_days
        made = self.visits.allocate(day, self.capacity[day]) if self.s.visit_hours < INF and in_window else 0
        led = self.ledger
        if in_window and day * HOURS_PER_DAY >= self.s.warmup:
            visit_time = made * self.s.visit_hours if made else 0.0
            if made:
                led.visits += made
                led.visit += made * (self.s.visit_hours - self.s.visit_travel_hours)
                led.travel += made * self.s.visit_travel_hours
            led.idle += self.free_hours[day] - visit_time
        if in_window:
            led.daily_visits.append(made)
            led.daily_covered.append(self.visits.vulnerable_covered())
        if self.s.overtime_hours > 0:
            start_overtime(self, day, now)

    # ------------------------------------------------------------ end of run
    def run(self) -> None:
        """Run the loop until the drain is over (or the end), then book what is still in progress."""
        events = self.events
        while True:
            kind, a, b = events.pop()
            if kind == DONE:
                self._on_done(a, b)
            elif kind == ADMIN:
                self._on_admin(a)
            elif kind == REQUEST:
                self._on_request(a)
            elif kind == WAKE:
                self._on_wake()
            elif kind == CLOSE:
                self._on_close(a)
            elif kind == HORIZON:
                self._on_horizon()
            elif kind == END:
                events.stop()
            else:  # STOP
                break
        finish(self)
