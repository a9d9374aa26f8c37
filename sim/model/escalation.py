"""Township and county stage: escalated requests after the village has done its part.

Why a separate stage run after the villages: nothing here feeds back into a
village's queue, so villages are simulated independently and their escalation
streams are replayed through the county's township pools and departments,
which keeps results exact while every village keeps a tiny event heap.

Each escalated request takes its uniforms from a matrix drawn from the
county's ``downstream`` stream in a stable order (village, then request), so
the same request meets the same luck in every scenario compared.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from scipy.special import ndtri

from sim.model.calendar import Calendar
from sim.model.distributions import lognormal_parameters
from sim.scenario.params import Distribution, ModelParams

FIXED_COLUMNS = 8  # route, delegate, one-thing, k, whistle, whistle delay, late extra, spare
STEP_COLUMNS = 3 * 12
ROUTE_TOWNSHIP, ROUTE_DEPARTMENT, ROUTE_CROSS = 0, 1, 2


class Sampler:
    """Scalar inverse-CDF sampling of one distribution (hot path: no numpy arrays)."""

    __slots__ = ("a", "b", "kind", "values")

    def __init__(self, dist: Distribution) -> None:
        self.kind = dist.kind
        self.values = list(dist.values)
        if dist.kind == "lognormal" and dist.mean > 0 and dist.cv > 0:
            self.a, self.b = lognormal_parameters(dist.mean, dist.cv)
        elif dist.kind == "uniform":
            self.a, self.b = dist.low, dist.high - dist.low
        else:
            self.kind = "exponential" if dist.kind == "exponential" else self.kind
            self.a, self.b = dist.mean, 0.0
            if dist.kind == "lognormal":
                self.kind = "fixed"

    def __call__(self, u: float) -> float:
        if self.kind == "lognormal":
            return math.exp(self.a + self.b * float(ndtri(min(max(u, 1e-12), 1 - 1e-12))))
        if self.kind == "uniform":
            return self.a + u * self.b
        if self.kind == "exponential":
            return -self.a * math.log1p(-min(u, 1 - 1e-16))
        if self.kind == "empirical":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        return self.a


class StaffPool:
    """c identical staff on one office calendar, first come first served."""

    __slots__ = ("busy_hours", "cal", "env", "free", "queue")

    def __init__(self, env: simpy.Environment, servers: int, cal: Calendar) -> None:
        self.env = env
        self.cal = cal
        self.free = max(1, servers)
        self.queue: deque[tuple[float, Callable[[], None]]] = deque()
        self.busy_hours = 0.0

    def submit(self, work: float, then: Callable[[], None]) -> None:
        if self.free > 0:
            self.free -= 1
            self._start(work, then)
        else:
            self.queue.append((work, then))

    def _start(self, work: float, then: Callable[[], None]) -> None:
        now = self.env.now
        ev = self.env.timeout(self.cal.advance(now, work) - now, (work, then))
        ev.callbacks.append(self._done)

    def _done(self, ev: simpy.events.Event) -> None:
        work, then = ev.value
        self.busy_hours += work
        if self.queue:
            self._start(*self.queue.popleft())
        else:
            self.free += 1
        then()


@dataclass(frozen=True)
class Escalated:
    """The county's escalated requests, in stable key order."""

    ready: np.ndarray  # time the village finished its part (hours)
    township: np.ndarray  # township index within the county
    route_shares: np.ndarray  # (n, 3) township / department / cross shares of the request's type
    dept_min: np.ndarray
    dept_max: np.ndarray


class CountyStage:
    """Township pools, enforcement teams and departments of one county."""

    def __init__(self, env: simpy.Environment, params: ModelParams, office: Calendar, service_staff: list[int],
                 enforcement_staff: list[int], uniforms: np.ndarray, fallback: np.random.Generator) -> None:
        self.env = env
        self.p = params
        self.office = office
        self.u = uniforms
        self.fallback = fallback
        dp = params.departments
        self.township_pools = [StaffPool(env, c, office) for c in service_staff]
        self.enforcement_pools = [StaffPool(env, c, office) for c in enforcement_staff]
        self.dept_pools = [StaffPool(env, int(round(d.staff_per_county)), office) for d in dp.departments]
        self.dept_effort = [Sampler(d.effort_hours) for d in dp.departments]
        self.township_effort = Sampler(params.township.effort_hours)
        self.township_latency = Sampler(params.township.latency_working_days)
        self.delegated_latency = Sampler(params.township.delegated_latency_working_days)
        self.processing = Sampler(dp.processing_working_days)
        self.late_extra = Sampler(dp.late_extra_working_days)
        dl = params.delegation
        self.delegated_share = min(1.0, dl.delegable_share * dl.items_delegated / dl.reference_items)
        ot = params.one_thing
        self.module_share = min(1.0, ot.modules * ot.coverage_per_module)
        self.day_hours = office.day_hours

    def working_days(self, days: float, then: Callable[[], None]) -> None:
        """Wait ``days`` working days (office duty hours), then continue."""
        now = self.env.now
        ev = self.env.timeout(self.office.advance(now, days * self.day_hours) - now)
        ev.callbacks.append(lambda _ev: then())


class Journey:
    """One escalated request's path; resolution, trips and hand-offs land in the arrays."""

    __slots__ = ("col", "depts", "handoffs", "i", "pending", "resolved", "route", "row", "stage", "step", "trips")

    def __init__(self, stage: CountyStage, i: int, resolved: list[float], trips: list[int],
                 handoffs: list[int], route: list[int]) -> None:
        self.stage = stage
        self.i = i
        self.row = stage.u[i]
        self.col = FIXED_COLUMNS
        self.resolved, self.trips, self.handoffs, self.route = resolved, trips, handoffs, route
        self.depts: list[int] = []
        self.step = 0
        self.pending = 0

    def draw(self) -> float:
        """Next uniform of this request (fallback stream if its row is used up)."""
        if self.col < len(self.row):
            self.col += 1
            return float(self.row[self.col - 1])
        return float(self.stage.fallback.random())

    def start(self, township: int, shares: np.ndarray, dmin: int, dmax: int) -> None:
        st, row = self.stage, self.row
        r = float(row[0])
        if r < shares[0]:
            self.route[self.i] = ROUTE_TOWNSHIP
            st.township_pools[township].submit(st.township_effort(self.draw()), self._township_latency)
        elif r < shares[0] + shares[1]:
            self.route[self.i] = ROUTE_DEPARTMENT
            if float(row[1]) < st.delegated_share:
                st.enforcement_pools[township].submit(st.township_effort(self.draw()), self._delegated_latency)
            else:
                self.depts = [min(int(self.draw() * len(st.dept_pools)), len(st.dept_pools) - 1)]
                self._whistle(self._sequential_step)
        else:
            self.route[self.i] = ROUTE_CROSS
            k = dmin + min(int(float(row[3]) * (dmax - dmin + 1)), dmax - dmin)
            order = sorted(range(len(st.dept_pools)), key=lambda _d: self.draw())
            self.depts = order[:k]
            if float(row[2]) < st.module_share:
                self._module_pass()
            else:
                self._whistle(self._sequential_step)

    # township and delegated items
    def _township_latency(self) -> None:
        self.stage.working_days(self.stage.township_latency(self.draw()), self._finish)

    def _delegated_latency(self) -> None:
        self.stage.working_days(self.stage.delegated_latency(self.draw()), self._finish)

    # the township blows the whistle; the department reports on time or late
    def _whistle(self, then: Callable[[], None]) -> None:
        st, row = self.stage, self.row
        dp = st.p.departments
        days = float(row[5]) * dp.on_time_working_days
        if float(row[4]) >= dp.on_time_response_probability:
            days = dp.on_time_working_days + st.late_extra(float(row[6]))
        st.working_days(days, then)

    # departments one after another, with rework sending the resident back
    def _sequential_step(self) -> None:
        st = self.stage
        d = self.depts[self.step]
        if self.route[self.i] == ROUTE_CROSS and self.handoffs[self.i] > 0:
            self.trips[self.i] += 1  # the resident goes to the next department, or back after rework
        self.handoffs[self.i] += 1
        st.dept_pools[d].submit(st.dept_effort[d](self.draw()), self._after_step)

    def _after_step(self) -> None:
        self.stage.working_days(self.stage.processing(self.draw()), self._check_rework)

    def _check_rework(self) -> None:
        st = self.stage
        rework_p = st.p.departments.rework_probability if self.route[self.i] == ROUTE_CROSS else 0.0
        if self.draw() < rework_p:
            st.working_days(st.p.departments.resident_return_working_days, self._sequential_step)
            return
        self.step += 1
        if self.step < len(self.depts):
            self._sequential_step()
        else:
            self._finish()

    # "one thing": all departments at once, then joint coordination
    def _module_pass(self) -> None:
        st = self.stage
        if self.handoffs[self.i] > 0:
            self.trips[self.i] += 1  # a rework pass brings the resident back once
        self.handoffs[self.i] += 1
        self.pending = len(self.depts)
        for d in self.depts:
            st.dept_pools[d].submit(st.dept_effort[d](self.draw()), self._module_part_done)

    def _module_part_done(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            st = self.stage
            days = st.processing(self.draw()) + st.p.one_thing.coordination_hours / st.day_hours
            st.working_days(days, self._module_check)

    def _module_check(self) -> None:
        st = self.stage
        if self.draw() < st.p.one_thing.rework_probability:
            st.working_days(st.p.departments.resident_return_working_days, self._module_pass)
        else:
            self._finish()

    def _finish(self) -> None:
        self.resolved[self.i] = self.stage.env.now


def run_county_stage(stage: CountyStage, esc: Escalated, horizon: float) -> dict[str, np.ndarray]:
    """Replay the escalations through the county; unresolved by the horizon stay at inf."""
    env = stage.env
    n = len(esc.ready)
    resolved = [math.inf] * n
    trips = [1] * n
    handoffs = [0] * n
    route = [-1] * n
    order = np.argsort(esc.ready, kind="stable")

    def launcher() -> simpy.events.Event:
        for i in order:
            i = int(i)
            t = float(esc.ready[i])
            if t >= horizon:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
            Journey(stage, i, resolved, trips, handoffs, route).start(
                int(esc.township[i]), esc.route_shares[i], int(esc.dept_min[i]), int(esc.dept_max[i]))

    env.process(launcher())
    env.run(until=horizon)
    return {"resolved": np.array(resolved), "trips": np.array(trips), "handoffs": np.array(handoffs),
            "route": np.array(route)}
