"""Township and county stage: escalated requests after the village has done its part.

Why a separate stage run after the villages: nothing here feeds back into a
village's queue, so villages are simulated independently and their escalation
streams are replayed through the county's township pools and departments,
which keeps results exact while every village keeps a tiny event heap.

Each escalated request takes its uniforms from its village's ``downstream``
stream (one row per escalated request, in arrival order), so the same request
meets the same luck in every scenario compared, and changing one village
leaves every other village's downstream luck alone.

Every staffed office is a :class:`StaffPool`: urgent requests first
(non-preemptive), overload coping by extra staff, and the bookkeeping that
stability needs (offered work, capacity, backlog by day).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from mypy_extensions import mypyc_attr

from sim.model.calendar import Calendar
from sim.model.distributions import Sampler
from sim.model.event_list import CallbackList, Then
from sim.model.staff_pool import StaffPool, Window
from sim.scenario.params import Department, ModelParams

# Named columns of a request's uniform row; the step columns follow.
U_ROUTE, U_DELEGATE, U_MODULE, U_COUNT, U_WHISTLE, U_WHISTLE_DELAY, U_LATE, U_SPARE = range(8)
FIXED_COLUMNS = 8
STEP_COLUMNS = 3 * 12
#: Where an escalated request goes; "delegated" is a department item handled by the township's enforcement team.
ROUTE_TOWNSHIP, ROUTE_DEPARTMENT, ROUTE_CROSS, ROUTE_DELEGATED = 0, 1, 2, 3
POOL_KINDS = ("township", "enforcement", "department")


@dataclass(frozen=True)
class Escalated:
    """The county's escalated requests, in stable key order."""

    ready: np.ndarray  # time the village finished its part (hours)
    arrival: np.ndarray  # time the request arrived at the village (hours)
    township: np.ndarray  # township index within the county
    route_shares: np.ndarray  # (n, 3) township / department / cross shares of the request's type
    dept_min: np.ndarray
    dept_max: np.ndarray
    urgent: np.ndarray  # urgent requests go first in every queue
    procedure_factor: np.ndarray  # factor on procedural waits (urgent matters as emergencies)
    uniforms: np.ndarray  # (n, columns) one row per request
    forced_route: np.ndarray | None = None  # a warm start's route for an inherited request (-1: drawn)
    forced_department: np.ndarray | None = None  # and its department at stage "department" (-1: drawn)


@dataclass(frozen=True)
class CountyOffices:
    """A county's offices as its stage needs them: their duty calendar and staff, and the county's size."""

    calendar: Calendar
    service_staff: list[int]  # per township: its service pool's staff
    enforcement_staff: list[int]  # per township: its enforcement team's staff
    population: float  # the county's residents (a department's staff grows with them)


def escalated_requests(params: ModelParams, esc: pd.DataFrame, uniforms: np.ndarray) -> Escalated:
    """The escalated rows as the county stage reads them, with their type's routes and procedures."""
    types = list(params.requests.types.values())
    type_index = esc["type_index"].to_numpy()
    shares = np.array([[t.routes.township, t.routes.department, t.routes.cross_department] for t in types])
    return Escalated(
        ready=esc["village_done"].to_numpy(),
        arrival=esc["arrival"].to_numpy(),
        township=esc["township_local"].to_numpy(),
        route_shares=shares[type_index],
        dept_min=np.array([t.departments_min for t in types])[type_index],
        dept_max=np.array([t.departments_max for t in types])[type_index],
        urgent=esc["urgent"].to_numpy(),
        procedure_factor=np.array([t.procedure_time_factor for t in types])[type_index],
        uniforms=uniforms,
        forced_route=esc["forced_route"].to_numpy() if "forced_route" in esc else None,
        forced_department=esc["forced_department"].to_numpy() if "forced_department" in esc else None,
    )


class CountyStage:
    """Township pools, enforcement teams and departments of one county."""

    def __init__(
        self,
        clock: CallbackList,
        params: ModelParams,
        offices: CountyOffices,
        window: Window,
        fallback: np.random.Generator,
    ) -> None:
        self.clock = clock
        self.p = params
        self.office = office = offices.calendar
        self.window = window
        self.fallback = fallback
        dp, tp = params.departments, params.township
        self.township_pools = [StaffPool(clock, c, office, window, tp.coping) for c in offices.service_staff]
        self.enforcement_pools = [StaffPool(clock, c, office, window, tp.coping) for c in offices.enforcement_staff]
        self.dept_pools = [
            StaffPool(clock, department_staff(d, offices.population), office, window, dp.coping) for d in dp.departments
        ]
        self.dept_effort = [Sampler(d.effort_hours) for d in dp.departments]
        self.township_effort = Sampler(tp.effort_hours)
        self.township_latency = Sampler(tp.latency_working_days)
        self.delegated_latency = Sampler(tp.delegated_latency_working_days)
        self.processing = Sampler(dp.processing_working_days)
        self.late_extra = Sampler(dp.late_extra_working_days)
        dl = params.delegation
        self.delegated_share = min(1.0, dl.delegable_share * dl.items_delegated / dl.reference_items)
        ot = params.one_thing
        self.module_share = min(1.0, ot.modules * ot.coverage_per_module)
        self.day_hours = office.day_hours
        self.active = 0  # journeys started and not finished
        self.active_in_window: set[int] = set()  # the window's requests among them (for the horizon count)
        self.launched_all = False
        self.open_at_horizon = 0

    def working_days(self, days: float, then: Then) -> None:
        """Wait ``days`` working days (office duty hours), then continue."""
        now = self.clock.now
        self.clock.call_in(self.office.advance(now, days * self.day_hours) - now, then)

    def pools(self) -> list[tuple[str, int, StaffPool]]:
        """(kind, index, pool) of every staffed office: township i, enforcement team i, department i."""
        return (
            [("township", i, p) for i, p in enumerate(self.township_pools)]
            + [("enforcement", i, p) for i, p in enumerate(self.enforcement_pools)]
            + [("department", i, p) for i, p in enumerate(self.dept_pools)]
        )

    def journey_started(self, i: int, in_window: bool) -> None:
        self.active += 1
        if in_window:
            self.active_in_window.add(i)

    def journey_finished(self, i: int) -> None:
        self.active -= 1
        self.active_in_window.discard(i)
        if self.active == 0 and self.launched_all and self.clock.now >= self.window.horizon:
            self.clock.stop()

    def on_horizon(self) -> None:
        """Count the window's escalated requests in progress at the horizon (from the journeys' state)."""
        self.open_at_horizon = len(self.active_in_window)
        for _kind, _i, pool in self.pools():
            pool.at_horizon = pool.in_system
        if self.active == 0 and self.launched_all:
            self.clock.stop()


def department_staff(dept: Department, county_population: float) -> int:
    """A department's field staff in a county of this population (at least one)."""
    return max(1, int(round(dept.staff_per_county + dept.staff_per_100k_residents * county_population / 1e5)))


@mypyc_attr(allow_interpreted_subclasses=True)  # the event log's TracedJourney extends it
class Journey:
    """One escalated request's path; resolution, trips and hand-offs land in the arrays."""

    __slots__ = (
        "col",
        "department",
        "depts",
        "esc",
        "factor",
        "handoffs",
        "i",
        "pending",
        "resolved",
        "route",
        "row",
        "stage",
        "step",
        "trips",
        "urgent",
    )

    def __init__(self, stage: CountyStage, i: int, esc: Escalated, out: dict[str, list]) -> None:
        self.stage = stage
        self.i = i
        self.esc = esc
        self.row = esc.uniforms[i]
        self.col = FIXED_COLUMNS
        self.urgent = bool(esc.urgent[i])
        self.factor = float(esc.procedure_factor[i])
        self.resolved, self.trips, self.handoffs, self.route, self.department = (
            out["resolved"],
            out["trips"],
            out["handoffs"],
            out["route"],
            out["department"],
        )
        self.depts: list[int] = []
        self.step = 0
        self.pending = 0

    def draw(self) -> float:
        """Next uniform of this request (fallback stream if its row is used up)."""
        if self.col < len(self.row):
            self.col += 1
            return float(self.row[self.col - 1])
        return float(self.stage.fallback.random())

    def wait(self, days: float, then: Then) -> None:
        """A procedural wait of ``days`` working days, shortened for urgent matters."""
        self.stage.working_days(days * self.factor, then)

    def start(self) -> None:
        """Take the request's route (drawn unless given: a warm start's inherited stage) and its first step."""
        i, esc = self.i, self.esc
        township, dmin, dmax = int(esc.township[i]), int(esc.dept_min[i]), int(esc.dept_max[i])
        shares = esc.route_shares[i]
        route = int(esc.forced_route[i]) if esc.forced_route is not None else -1
        department = int(esc.forced_department[i]) if esc.forced_department is not None else -1
        st, row = self.stage, self.row
        route = self._draw_route(shares) if route < 0 else route
        self.route[self.i] = route
        if route == ROUTE_TOWNSHIP:
            st.township_pools[township].submit(st.township_effort(self.draw()), self._township_latency, self.urgent)
        elif route == ROUTE_DELEGATED:
            st.enforcement_pools[township].submit(st.township_effort(self.draw()), self._delegated_latency, self.urgent)
        elif route == ROUTE_DEPARTMENT:
            d = department if department >= 0 else min(int(self.draw() * len(st.dept_pools)), len(st.dept_pools) - 1)
            self.depts = [d]
            self.department[self.i] = d
            self._whistle(self._sequential_step)
        else:
            k = dmin + min(int(float(row[U_COUNT]) * (dmax - dmin + 1)), dmax - dmin)
            order = sorted(range(len(st.dept_pools)), key=lambda _d: self.draw())
            self.depts = order[:k]
            if float(row[U_MODULE]) < st.module_share:
                self._module_pass()
            else:
                self._whistle(self._sequential_step)

    def _draw_route(self, shares: np.ndarray) -> int:
        """The route from the request's fixed uniforms: township, department (or delegated) or cross."""
        r = float(self.row[U_ROUTE])
        if r < shares[0]:
            return ROUTE_TOWNSHIP
        if r < shares[0] + shares[1]:
            return ROUTE_DELEGATED if float(self.row[U_DELEGATE]) < self.stage.delegated_share else ROUTE_DEPARTMENT
        return ROUTE_CROSS

    # township and delegated items
    def _township_latency(self) -> None:
        self.wait(self.stage.township_latency(self.draw()), self._finish)

    def _delegated_latency(self) -> None:
        self.wait(self.stage.delegated_latency(self.draw()), self._finish)

    # the township blows the whistle; the department reports on time or late
    def _whistle(self, then: Then) -> None:
        st, row = self.stage, self.row
        dp = st.p.departments
        days = float(row[U_WHISTLE_DELAY]) * dp.on_time_working_days
        if float(row[U_WHISTLE]) >= dp.on_time_response_probability:
            days = dp.on_time_working_days + st.late_extra(float(row[U_LATE]))
        self.wait(days, then)

    # departments one after another, with rework sending the resident back
    def _sequential_step(self) -> None:
        st = self.stage
        d = self.depts[self.step]
        if self.route[self.i] == ROUTE_CROSS and self.handoffs[self.i] > 0:
            self.trips[self.i] += 1  # the resident goes to the next department, or back after rework
        self.handoffs[self.i] += 1
        st.dept_pools[d].submit(st.dept_effort[d](self.draw()), self._after_step, self.urgent)

    def _after_step(self) -> None:
        self.wait(self.stage.processing(self.draw()), self._check_rework)

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
            st.dept_pools[d].submit(st.dept_effort[d](self.draw()), self._module_part_done, self.urgent)

    def _module_part_done(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            st = self.stage
            days = st.processing(self.draw()) + st.p.one_thing.coordination_hours / st.day_hours
            self.wait(days, self._module_check)

    def _module_check(self) -> None:
        st = self.stage
        if self.draw() < st.p.one_thing.rework_probability:
            st.working_days(st.p.departments.resident_return_working_days, self._module_pass)
        else:
            self._finish()

    def _finish(self) -> None:
        self.resolved[self.i] = self.stage.clock.now
        self.stage.journey_finished(self.i)


def run_county_stage(
    stage: CountyStage, esc: Escalated, journey: Callable[..., Journey] = Journey
) -> dict[str, np.ndarray]:
    """Replay the escalations through the county until every journey ends or the drain is over.

    Journeys not finished by then keep resolution ``inf`` (censored at the end of the drain).
    ``journey`` makes each request's journey (the event log passes one that traces a sample).
    """
    n = len(esc.ready)
    out: dict[str, list] = {
        "resolved": [math.inf] * n,
        "trips": [1] * n,
        "handoffs": [0] * n,
        "route": [-1] * n,
        "department": [-1] * n,  # the department of a single-department route
    }
    clock, window = stage.clock, stage.window
    clock.call_in(window.horizon, stage.on_horizon)  # first at that instant: the state just before
    clock.call_in(window.end, clock.stop)
    Launcher(stage, esc, out, journey)()  # at time 0, before anything else (SimPy's process start)
    clock.run()
    return {k: np.array(v) for k, v in out.items()}


class Launcher:
    """Starts each journey when its village hands the request over, in order of that time.

    One call per distinct hand-over time: it starts every journey due now and schedules itself
    for the next. Called back, it starts the journey it waited for without comparing times again
    (``now`` is the time of the wait's end as SimPy computed it, which may differ in the last bit).
    """

    __slots__ = ("esc", "journey", "next", "order", "out", "ready", "stage", "waited")

    def __init__(self, stage: CountyStage, esc: Escalated, out: dict[str, list], journey: Callable[..., Journey]):
        self.stage = stage
        self.esc = esc
        self.out = out
        self.journey = journey
        self.order: list[int] = np.argsort(esc.ready, kind="stable").tolist()
        self.ready: list[float] = esc.ready.tolist()
        self.next = 0  # position in ``order`` of the next journey to start
        self.waited = False  # called back for the journey at ``next``

    def __call__(self) -> None:
        stage, clock, window = self.stage, self.stage.clock, self.stage.window
        waited, self.waited = self.waited, False
        while self.next < len(self.order):
            i = self.order[self.next]
            t = self.ready[i]
            if t >= window.end:
                break
            if not waited and t > clock.now:
                self.waited = True
                clock.call_in(t - clock.now, self)
                return
            waited = False
            stage.journey_started(i, bool(window.warmup <= self.esc.arrival[i] < window.horizon))
            self.journey(stage, i, self.esc, self.out).start()
            self.next += 1
        stage.launched_all = True
        if stage.active == 0 and clock.now >= window.horizon:
            clock.stop()
