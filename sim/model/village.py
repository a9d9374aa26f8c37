"""One village or community: its workers, its queue of requests and admin tasks, its visits.

Why callbacks instead of a SimPy process per request: each request costs two
events (arrival, completion) and no generator frames; workers are plain
indices, the queue is three plain containers. One environment per village
keeps the event heap tiny. Visits need no events at all: a worker's free duty
time is cut into visit-sized pieces when the free spell ends, and the day's
visits are allocated to households at the day's close.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

import simpy

from sim.model.admin_tasks import AdminArrays
from sim.model.calendar import HOURS_PER_DAY, Calendar
from sim.model.demand import RequestArrays
from sim.model.visits import VisitBook

INF = math.inf


@dataclass(frozen=True)
class VillageSetup:
    """What the village loop needs besides its arrays (all times in hours)."""

    calendars: list[Calendar]
    apps_hours: list[float]  # per worker, per present day
    visit_hours: float  # one visit, travel included (inf: no visits)
    visit_travel_hours: float
    priority: tuple[str, ...]
    due_soon_hours: float
    on_call_delay: float
    overtime_hours: float
    close_hour: float  # hour of day of the daily close (end of the last duty period)
    warmup: float
    horizon: float


@dataclass
class Ledger:
    """Village workers' duty time by use, inside the measurement window (hours)."""

    service: float = 0.0
    travel: float = 0.0
    admin: float = 0.0
    visit: float = 0.0
    idle: float = 0.0
    overtime: float = 0.0
    duty: float = 0.0
    worker_days: float = 0.0
    visits: int = 0
    queue_area: float = 0.0  # integral of requests waiting, for Little's law
    daily_visits: list[int] = field(default_factory=list)
    daily_covered: list[float] = field(default_factory=list)


class VillageSim:
    """Runs one village for the horizon; results land in ``first_response``, ``village_done`` and ``ledger``."""

    def __init__(self, env: simpy.Environment, setup: VillageSetup, requests: RequestArrays, admin: AdminArrays,
                 visits: VisitBook) -> None:
        self.env = env
        self.s = setup
        self.visits = visits
        self.ledger = Ledger()
        n = len(requests.time)
        self.first_response = [INF] * n
        self.village_done = [INF] * n
        self.on_call = [False] * n
        # plain lists are faster than numpy scalars inside the loop
        self.r_time = requests.time.tolist()
        self.r_work = requests.work.tolist()
        self.r_travel = requests.travel.tolist()
        self.r_urgent = requests.urgent.tolist()
        self.a_time = admin.time.tolist()
        self.a_hours = admin.hours.tolist()
        self.a_due = admin.due.tolist()
        n_workers = len(setup.calendars)
        self.cal = setup.calendars
        self.free: list[int] = list(range(n_workers))
        self.spell_start: list[float] = [0.0] * n_workers
        self.next_start: list[float] = [-INF] * n_workers
        self.job: list[tuple[int, float, bool]] = [(0, 0.0, False)] * n_workers
        self.urgent_q: deque[int] = deque()
        self.routine_q: deque[int] = deque()
        self.admin_q: list[tuple[float, int]] = []
        self.waiting = 0
        self.last_change = 0.0
        self.wake_at = INF
        n_days = int(math.ceil(setup.horizon / HOURS_PER_DAY))
        self.capacity = [0] * n_days
        self.free_hours = [0.0] * n_days
        self.next_request = 0
        self.next_admin = 0
        self.overtime_until = -INF
        self.last_closed = -1
        self._schedule_request()
        self._schedule_admin()
        self._schedule_close(0)

    # ------------------------------------------------------------ arrivals
    def _schedule_request(self) -> None:
        i = self.next_request
        if i < len(self.r_time):
            ev = self.env.timeout(max(0.0, self.r_time[i] - self.env.now), i)  # 0: rounding of equal times
            ev.callbacks.append(self._on_request)

    def _schedule_admin(self) -> None:
        k = self.next_admin
        if k < len(self.a_time):
            ev = self.env.timeout(max(0.0, self.a_time[k] - self.env.now), k)
            ev.callbacks.append(self._on_admin)

    def _on_request(self, ev: simpy.events.Event) -> None:
        i = ev.value
        self.next_request = i + 1
        self._schedule_request()
        now = self.env.now
        if self.r_urgent[i]:
            if not any(c.on_duty(now) for c in self.cal):
                self._serve_on_call(i, now)
                return
            self._count_queue(now, 1)
            self.urgent_q.append(i)
        else:
            self._count_queue(now, 1)
            self.routine_q.append(i)
        self._dispatch(now)

    def _on_admin(self, ev: simpy.events.Event) -> None:
        k = ev.value
        self.next_admin = k + 1
        self._schedule_admin()
        heapq.heappush(self.admin_q, (self.a_due[k], k))
        self._dispatch(self.env.now)

    def _serve_on_call(self, i: int, now: float) -> None:
        """Out of hours an urgent request goes to the on-call cadre (time counted as overtime)."""
        start = now + self.s.on_call_delay
        self.first_response[i] = start
        self.village_done[i] = start + self.r_work[i]
        self.on_call[i] = True
        if self.s.warmup <= now < self.s.horizon:
            self.ledger.overtime += self.r_work[i]

    def _count_queue(self, now: float, delta: int) -> None:
        """Keep the time integral of waiting requests over the window (Little's law)."""
        lo = max(self.last_change, self.s.warmup)
        if now > lo:
            self.ledger.queue_area += self.waiting * (now - lo)
        self.last_change = now
        self.waiting += delta

    # ------------------------------------------------------------ dispatch
    def _next_job(self, now: float) -> int | None:
        """Pick the next job by policy: request index >= 0, admin task -(k+1)."""
        for activity in self.s.priority:
            if activity == "urgent":
                if self.urgent_q:
                    return self.urgent_q.popleft()
            elif activity == "routine":
                if self.routine_q:
                    return self.routine_q.popleft()
            elif self.admin_q and (activity == "admin" or self.admin_q[0][0] - now <= self.s.due_soon_hours):
                return -(heapq.heappop(self.admin_q)[1] + 1)
        return None

    def _dispatch(self, now: float) -> None:
        if not self.free:
            return
        d = int(now // HOURS_PER_DAY)
        x = now - d * HOURS_PER_DAY
        while self.free and (self.urgent_q or self.routine_q or self.admin_q):
            worker = -1
            for w in self.free:  # the first free worker on duty now (inlined Calendar.on_duty)
                c = self.cal[w]
                if d < len(c.present) and c.present[d]:
                    for s, e in c.periods:
                        if s <= x < e:
                            worker = w
                            break
                    if worker >= 0:
                        break
            if worker < 0:
                self._wake_at(min(self._next_start(w, now) for w in self.free))
                return
            job = self._next_job(now)
            if job is None:
                return
            self.free.remove(worker)
            self._close_spell(worker, now)
            self._start(worker, job, now, overtime=False)

    def _next_start(self, worker: int, now: float) -> float:
        """Next duty start of an off-duty worker, cached: it holds for the whole off-duty gap."""
        t = self.next_start[worker]
        if t < now:
            t = self.cal[worker].next_duty_start(now)
            self.next_start[worker] = t
        return t

    def _wake_at(self, t: float) -> None:
        if t < self.wake_at and t < self.s.horizon:
            self.wake_at = t
            ev = self.env.timeout(t - self.env.now)
            ev.callbacks.append(self._on_wake)

    def _on_wake(self, ev: simpy.events.Event) -> None:
        now = self.env.now
        if now >= self.wake_at:
            self.wake_at = INF
        self._dispatch(now)

    def _start(self, worker: int, job: int, now: float, overtime: bool) -> None:
        if job >= 0:
            self._count_queue(now, -1)
            self.first_response[job] = now
            work = self.r_work[job]
        else:
            work = self.a_hours[-job - 1]
        done = now + work if overtime else self.cal[worker].advance(now, work)
        self.job[worker] = (job, now, overtime)
        if done < INF:
            ev = self.env.timeout(done - now, worker)
            ev.callbacks.append(self._on_done)

    def _on_done(self, ev: simpy.events.Event) -> None:
        worker = ev.value
        now = self.env.now
        job, start, overtime = self.job[worker]
        self._book_job(worker, job, start, now, overtime)
        if job >= 0:
            self.village_done[job] = now
        self.free.append(worker)
        self.spell_start[worker] = now
        if now < self.overtime_until and self._overtime_job(worker, now):
            return
        self._dispatch(now)

    # ------------------------------------------------------------ accounting
    def _book_job(self, worker: int, job: int, start: float, end: float, overtime: bool) -> None:
        s = self.s
        if overtime:
            if s.warmup <= start < s.horizon:
                self.ledger.overtime += end - start
            return
        if end <= s.warmup:
            return
        if start >= s.warmup and end < s.horizon:  # a finished job: the calendar gave it exactly `work` hours
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
        if t <= self.s.horizon:
            ev = self.env.timeout(t - self.env.now, day)
            ev.callbacks.append(self._on_close)

    def _on_close(self, ev: simpy.events.Event) -> None:
        self._close_day(ev.value, self.env.now)
        self._schedule_close(ev.value + 1)

    def _close_day(self, day: int, now: float) -> None:
        """Turn the day's free duty time into visits, book the day's time use, start overtime."""
        self.last_closed = day
        for w in self.free:
            self._close_spell(w, now)
        made = self.visits.allocate(day, self.capacity[day]) if self.s.visit_hours < INF else 0
        led = self.ledger
        if day * HOURS_PER_DAY >= self.s.warmup:
            visit_time = made * self.s.visit_hours if made else 0.0
            if made:
                led.visits += made
                led.visit += made * (self.s.visit_hours - self.s.visit_travel_hours)
                led.travel += made * self.s.visit_travel_hours
            led.idle += self.free_hours[day] - visit_time
        led.daily_visits.append(made)
        led.daily_covered.append(self.visits.vulnerable_covered())
        if self.s.overtime_hours > 0 and (self.urgent_q or self.routine_q):
            self.overtime_until = now + self.s.overtime_hours
            for w in list(self.free):
                if self.cal[w].present[day] if day < len(self.cal[w].present) else False:
                    self._overtime_job(w, now)

    def _overtime_job(self, worker: int, now: float) -> bool:
        """Serve a waiting request after hours, if it ends before the worker's next duty."""
        q = self.urgent_q or self.routine_q
        if not q:
            return False
        job = q[0]
        if now + self.r_work[job] > self.cal[worker].next_duty_start(now):
            return False
        q.popleft()
        self.free.remove(worker)
        self._start(worker, job, now, overtime=True)
        return True

    # ------------------------------------------------------------ end of run
    def finish(self) -> None:
        """Book jobs still in progress at the horizon and the window's duty totals."""
        s = self.s
        last_day = math.ceil(s.horizon / HOURS_PER_DAY) - 1
        if self.last_closed < last_day:  # a close due exactly at the horizon: SimPy stops before it
            self._close_day(last_day, s.horizon)
        self._count_queue(s.horizon, 0)
        busy = set(range(len(self.cal))) - set(self.free)
        for w in busy:
            job, start, overtime = self.job[w]
            self._book_job(w, job, start, s.horizon, overtime)
        first_day = int(s.warmup // HOURS_PER_DAY)
        last_day = int(math.ceil(s.horizon / HOURS_PER_DAY))
        for w, cal in enumerate(self.cal):
            present = cal.present_days_between(first_day, last_day)
            apps = s.apps_hours[w] * present
            self.ledger.admin += apps
            self.ledger.duty += cal.duty_before(s.horizon) - cal.duty_before(s.warmup) + apps
            self.ledger.worker_days += present
