"""One replication of one county: villages one by one, then the county stage.

Why the county is the shard: counties share no resources, so (replication,
county) tasks are independent and can run in any process or on any machine;
each returns compact tables (per village, per queue, per request type and kind
as histograms, per day) so that thousands of tasks keep memory flat.

Every request that arrives in the window is followed to its end: after the
horizon no new request arrives, and villages and offices keep working (duty,
admin) for up to ``drain_days`` until the window's requests are resolved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model import calendar as cal
from sim.model.admin_tasks import draw_admin
from sim.model.demand import Catchment, RequestArrays, day_factors, draw_requests
from sim.model.escalation import (
    FIXED_COLUMNS,
    POOL_KINDS,
    STEP_COLUMNS,
    CountyOffices,
    CountyStage,
    escalated_requests,
    run_county_stage,
)
from sim.model.event_list import CallbackList
from sim.model.event_log import ShardTrace, Tracer
from sim.model.initial_state import (
    Backlog,
    county_stage_frame,
    follow_up_frame,
    inherited_outcomes,
    inherited_requests,
    join_requests,
    open_requests,
)
from sim.model.outcomes import summarise_shard
from sim.model.records import ShardResult
from sim.model.stability import QueueLoad, queue_row
from sim.model.staff_pool import StaffPool, Window
from sim.model.streams import stream
from sim.model.village import VillageSim
from sim.model.village_inputs import duty_plan, village_setup, visit_book, worker_calendars
from sim.model.village_outputs import village_daily, village_queue, village_row
from sim.model.world import World
from sim.scenario.params import ModelParams

HOURS = cal.HOURS_PER_DAY
#: One village's request rows as named columns of equal length (see ``_request_frame``).
RequestColumns = dict[str, np.ndarray]
DOWNSTREAM_COLUMNS = FIXED_COLUMNS + 10 + STEP_COLUMNS


@dataclass(frozen=True)
class ShardSpec:
    """Which shard to run and how long: the run control a shard needs, nothing modelled."""

    county: int
    replication: int
    seed: int
    days: int
    warmup_days: int
    drain_days: int = 0

    @property
    def window(self) -> Window:
        return Window(self.warmup_days * HOURS, self.days * HOURS, (self.days + self.drain_days) * HOURS)

    @property
    def total_days(self) -> int:
        """Days the calendars and admin streams cover: the window, the drain, and one more day.

        The spare day makes "the next duty start" exist on the last day, so the last evening's
        overtime rule is the same whatever the drain.
        """
        return self.days + self.drain_days + 1


@dataclass(frozen=True)
class RawOutputs:
    """Per-request outputs a shard may return besides its tables (each costs time or memory, so each is asked for)."""

    keep_requests: bool = False  # the raw request rows
    event_log_cases: int = 0  # log the events of up to that many requests
    export_state: bool = False  # the requests open at the horizon, as an initial-state table

    @property
    def wanted(self) -> bool:
        """True when any of them is asked for (a cache of tables cannot answer then)."""
        return bool(self.keep_requests or self.event_log_cases > 0 or self.export_state)


@dataclass(frozen=True)
class ShardOptions:
    """What a shard returns besides its tables, and a warm start's backlog."""

    raw: RawOutputs = RawOutputs()
    backlog: Backlog | None = None  # a warm start's requests open on day 0


@dataclass(frozen=True)
class County:
    """What every step of a shard reads: the parameters, the run control, the county's villages and townships."""

    params: ModelParams
    spec: ShardSpec
    villages: pd.DataFrame
    townships: pd.DataFrame


@dataclass
class Tally:
    """The shard's outputs as its villages, then its county stage, add to them."""

    days: int
    rows: list[dict] = field(default_factory=list)
    requests: list[RequestColumns | pd.DataFrame] = field(default_factory=list)  # a frame where a warm start adds rows
    queues: list[dict] = field(default_factory=list)
    downstream: list[np.ndarray] = field(default_factory=list)  # uniforms of each village's escalated requests
    events: int = 0
    open_at_horizon: int = 0
    daily_visits: np.ndarray = field(init=False)
    daily_covered: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.daily_visits = np.zeros(self.days)
        self.daily_covered = np.zeros(self.days)

    def add_village(self, out: dict) -> None:
        self.requests.append(out["requests"])
        self.downstream.append(out["downstream"])
        self.rows.append(out["row"])
        self.queues.append(out["queue"])
        self.events += out["events"]
        self.open_at_horizon += out["open_at_horizon"]
        self.daily_visits += out["daily_visits"]
        self.daily_covered += out["daily_covered"]


def run_shard(params: ModelParams, world: World, spec: ShardSpec, options: ShardOptions | None = None) -> ShardResult:
    """Simulate one county for one replication: its villages one by one, then its county stage."""
    options = options or ShardOptions()
    county = County(
        params, spec, world.county_villages(spec.county).reset_index(drop=True), world.county_townships(spec.county)
    )
    inherited = options.backlog.for_shard(spec.county, spec.replication) if options.backlog is not None else None
    at_village, at_county = _split_backlog(inherited)
    tally = _run_villages(county, at_village)
    req = _shard_requests(county, tally, at_county)
    trace = ShardTrace.start(req, _escalated(req), spec, options.raw.event_log_cases)  # None without an event log
    _resolve(county, req, tally, _county_uniforms(county, at_county), trace)
    is_inherited = req["inherited"].to_numpy()
    result = summarise_shard(params, req[~is_inherited] if is_inherited.any() else req, tally, spec, options)
    if trace is not None:
        result.event_log = trace.log(params, req, county.villages, county.townships)
    if options.backlog is not None:
        result.inherited = inherited_outcomes(req, spec.window.horizon, spec.window.end)
    if options.raw.export_state:
        result.open_requests = open_requests(params, req, county.villages, county.townships, spec)
    return result


def _split_backlog(inherited: pd.DataFrame | None) -> tuple[dict[int, pd.DataFrame], pd.DataFrame | None]:
    """A warm start's open requests: those still at a village (by village), and those at a county stage."""
    if inherited is None:
        return {}, None
    in_village = inherited["stage"].isin(("village", "follow_up")).to_numpy()
    at_village = {int(k): g for k, g in inherited[in_village].groupby("village_local")}
    return at_village, inherited[~in_village]


def _run_villages(county: County, at_village: dict[int, pd.DataFrame]) -> Tally:
    p, spec = county.params, county.spec
    factors = day_factors(p.requests, p.world.start_date, spec.days, p.calendar)
    tally = Tally(spec.days)
    for j, v in county.villages.iterrows():
        tally.add_village(_run_village(county, factors, int(j), v, at_village.get(int(j))))
    return tally


def _shard_requests(county: County, tally: Tally, at_county: pd.DataFrame | None) -> pd.DataFrame:
    """Every request of the shard, one row each, with its township's index in the county."""
    req = _request_table(tally.requests)
    local_township = {t: k for k, t in enumerate(county.townships["township_index"])}
    village_township = county.villages["township_index"].map(local_township).to_numpy()
    req["township_local"] = village_township[req["village"].to_numpy()]
    return req if at_county is None else _with_county_backlog(county.params, req, at_county)


def _request_table(parts: list[RequestColumns | pd.DataFrame]) -> pd.DataFrame:
    """The villages' request rows, in village order, as one table.

    Why columns and not a frame per village: building 154 small frames and concatenating them
    cost 7 % of a county's 120-day run; one ``np.concatenate`` per column gives the same table.
    A warm start's villages bring frames (their follow-ups add a column), and take the old path.
    """
    if all(isinstance(part, dict) for part in parts):
        return pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in parts[0]})
    return pd.concat([pd.DataFrame(p) if isinstance(p, dict) else p for p in parts], ignore_index=True)


def _county_uniforms(county: County, at_county: pd.DataFrame | None) -> list[np.ndarray]:
    """The downstream uniforms of the inherited requests already at a county stage (a warm start only)."""
    if at_county is None:
        return []
    spec = county.spec
    rng = stream(spec.seed, spec.replication, spec.county, -1, "initial-state")
    return [rng.random((len(at_county), DOWNSTREAM_COLUMNS))]


def _escalated(req: pd.DataFrame) -> np.ndarray:
    """Requests that reach the county stage: escalated, and their village part done before the end."""
    return req["escalate"].to_numpy() & np.isfinite(req["village_done"].to_numpy())


def _resolve(
    county: County, req: pd.DataFrame, tally: Tally, county_uniforms: list[np.ndarray], trace: ShardTrace | None
) -> None:
    """Every request's resolution time and journey columns; escalated ones get the county stage's answer."""
    escalate, esc_mask = req["escalate"].to_numpy(), _escalated(req)
    resolution = req["village_done"].to_numpy() + req["follow_up"].to_numpy()
    resolution[escalate] = math.inf  # replaced below by the county stage's answer
    n = len(req)
    journey = {
        "trips": np.ones(n, dtype=np.int64),
        "handoffs": np.zeros(n, dtype=np.int64),
        "route": np.full(n, -1, dtype=np.int64),
        "department": np.full(n, -1, dtype=np.int64),
    }
    if esc_mask.any():
        uniforms = np.concatenate(tally.downstream + county_uniforms)[esc_mask[escalate]]
        stage_out = _run_county(county, req[esc_mask], uniforms, trace and trace.tracer)
        tally.events += stage_out["events"]
        tally.open_at_horizon += stage_out["open_at_horizon"]
        tally.queues += stage_out["queues"]
        resolution[esc_mask] = stage_out["resolved"]
        for column, values in journey.items():
            values[esc_mask] = stage_out[column]
    req["resolution_time"] = resolution
    for column, values in journey.items():
        req[column] = values


def _with_county_backlog(params: ModelParams, req: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The village requests, then the inherited requests already at a county stage (routes given)."""
    req = pd.concat([req, county_stage_frame(params, rows)], ignore_index=True)
    for column in ("forced_route", "forced_department"):
        req[column] = req[column].fillna(-1).astype(np.int64)
    return req


def _run_village(county: County, factors: np.ndarray, j: int, v: pd.Series, inherited: pd.DataFrame | None) -> dict:
    """One village's loop: its requests, admin tasks, calendars and visits, and what it reports."""
    params, spec = county.params, county.spec

    def s(purpose: str) -> np.random.Generator:
        return stream(spec.seed, spec.replication, spec.county, j, purpose)

    on_site_travel = float(v["travel_minutes"]) * params.world.travel.on_site_round_trip_factor / 60.0
    requests = draw_requests(params, factors, Catchment(float(v["population"]), str(v["kind"]), on_site_travel), s)
    admin = draw_admin(params, spec.total_days, s)
    calendars, apps = worker_calendars(params, v, spec.total_days, s("roster"))
    book = visit_book(params, v)
    setup = village_setup(params, v, spec, calendars, apps)
    head = _inherited_head(params, inherited, on_site_travel, s)
    everyone = requests if head is None else join_requests(head.requests, requests)
    n_inherited = 0 if head is None else len(head.requests.time)
    sim = VillageSim(setup, everyone, admin, book, inherited=n_inherited)
    sim.run()
    head_uniforms = np.zeros((0, DOWNSTREAM_COLUMNS)) if head is None else head.uniforms
    new_uniforms = s("downstream").random((int(requests.escalate.sum()), DOWNSTREAM_COLUMNS))
    daily_visits, daily_covered = village_daily(sim, spec)
    return {
        "requests": _request_frame(params, j, sim, everyone, inherited),
        "downstream": np.concatenate([head_uniforms, new_uniforms]),  # one row per escalated request, in order
        "row": village_row(v, j, sim, book, spec),
        "queue": village_queue(v, sim, requests, admin, spec),
        "daily_visits": daily_visits,
        "daily_covered": daily_covered,
        "events": sim.events.scheduled,
        "open_at_horizon": sim.open_at_horizon,
    }


@dataclass(frozen=True)
class InheritedHead:
    """A warm start's requests waiting at a village on day 0, and the downstream uniforms of the escalated ones."""

    requests: RequestArrays
    uniforms: np.ndarray


def _inherited_head(
    params: ModelParams,
    inherited: pd.DataFrame | None,
    on_site_travel: float,
    s: Callable[[str], np.random.Generator],
) -> InheritedHead | None:
    if inherited is None:
        return None
    rng = s("initial-state")
    head = inherited_requests(params, inherited[inherited["stage"] == "village"], on_site_travel, rng)
    return InheritedHead(head, rng.random((int(head.escalate.sum()), DOWNSTREAM_COLUMNS)))


def _request_frame(
    params: ModelParams, j: int, sim: VillageSim, everyone: RequestArrays, inherited: pd.DataFrame | None
) -> RequestColumns | pd.DataFrame:
    """The village's requests as columns; a warm start's follow-ups in progress on day 0 are appended."""
    n = len(everyone.time)
    columns: RequestColumns = {
        "village": np.full(n, j, dtype=np.int64),
        "arrival": everyone.time,
        "type_index": everyone.type_index,
        "first_response": np.array(sim.first_response, dtype=float),
        "village_done": np.array(sim.village_done, dtype=float),
        "follow_up": everyone.follow_up,
        "escalate": everyone.escalate,
        "urgent": everyone.urgent,
        "inherited": np.arange(n) < sim.first_new,  # the loop's inherited requests come first
    }
    if inherited is None:
        return columns
    frame = pd.DataFrame(columns)
    frame["initial_stage"] = np.where(frame["inherited"].to_numpy(), "village", None)
    follow_ups = follow_up_frame(params, inherited[inherited["stage"] == "follow_up"], j)
    return pd.concat([frame, follow_ups], ignore_index=True)


def _run_county(county: County, esc: pd.DataFrame, uniforms: np.ndarray, tracer: Tracer | None = None) -> dict:
    """The county stage for the shard's escalated requests (``uniforms``: one row each, in their order)."""
    params, spec = county.params, county.spec
    clock = CallbackList()
    fallback = stream(spec.seed, spec.replication, spec.county, -1, "downstream-extra")
    stage = CountyStage(clock, params, _county_offices(county), spec.window, fallback)
    escalated = escalated_requests(params, esc, uniforms)
    out = run_county_stage(stage, escalated) if tracer is None else run_county_stage(stage, escalated, tracer)
    out["events"] = clock.scheduled
    out["open_at_horizon"] = stage.open_at_horizon
    out["queues"] = _pool_rows(params, stage, county.townships, spec)
    return out


def _county_offices(county: County) -> CountyOffices:
    """The townships' staff and the offices' calendar (always on duty in verification mode)."""
    params, days, townships = county.params, county.spec.total_days, county.townships
    office = cal.always_on_calendar(days) if params.verification_mode else cal.office_calendar(duty_plan(params, days))
    return CountyOffices(
        office,
        [int(x) for x in townships["service_staff"]],
        [int(x) for x in townships["enforcement_staff"]],
        float(townships["population"].sum()),
    )


def _pool_rows(params: ModelParams, stage: CountyStage, townships: pd.DataFrame, spec: ShardSpec) -> list[dict]:
    names = list(townships["township"])
    county = str(townships["county"].iloc[0])
    dept_names = [d.name for d in params.departments.departments]
    rows = []
    for kind, i, pool in stage.pools():
        assert kind in POOL_KINDS
        township = "" if kind == "department" else names[i]
        name = f"department {dept_names[i]}" if kind == "department" else f"{kind} {names[i]}"
        load = _pool_load(pool, kind, county, township, name)
        backlog = np.array(pool.daily_area) / HOURS  # daily mean jobs in the system
        rows.append(queue_row(load, backlog, spec.warmup_days))
    return rows


def _pool_load(pool: StaffPool, kind: str, county: str, township: str, name: str) -> QueueLoad:
    """An office as a queue (a department has no township)."""
    capacity = pool.capacity_hours()
    return QueueLoad(
        stage=kind,
        county=county,
        township=township,
        name=name,
        servers=pool.servers,
        extra_max=pool.extra_max,
        capacity_h=capacity,
        coping_capacity_h=capacity * (pool.servers + pool.extra_max) / pool.servers,
        offered_h=pool.offered,
        jobs=pool.jobs,
        extra_h=pool.extra_hours,
        open_at_horizon=pool.at_horizon,
    )
