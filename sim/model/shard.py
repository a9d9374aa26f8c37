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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.model import calendar as cal
from sim.model.admin_tasks import draw_admin
from sim.model.demand import day_factors, draw_requests
from sim.model.escalation import (
    FIXED_COLUMNS,
    POOL_KINDS,
    STEP_COLUMNS,
    CountyStage,
    Escalated,
    run_county_stage,
)
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
from sim.model.stability import queue_row
from sim.model.staff_pool import Window
from sim.model.streams import stream
from sim.model.village import VillageSim
from sim.model.village_inputs import village_setup, visit_book, worker_calendars
from sim.model.village_outputs import village_daily, village_queue, village_row
from sim.model.world import World
from sim.scenario.params import ModelParams

HOURS = cal.HOURS_PER_DAY
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


def run_shard(
    params: ModelParams,
    world: World,
    spec: ShardSpec,
    keep_requests: bool = False,
    event_log_cases: int = 0,
    backlog: Backlog | None = None,
    export_state: bool = False,
) -> ShardResult:
    """Simulate one county for one replication.

    ``event_log_cases``: log the events of up to that many requests. ``backlog``: a warm start's
    requests open on day 0. ``export_state``: also return the requests open at the horizon as an
    initial-state table.
    """
    villages = world.county_villages(spec.county).reset_index(drop=True)
    townships = world.county_townships(spec.county)
    local_township = {t: k for k, t in enumerate(townships["township_index"])}
    factors = day_factors(params.requests, params.world.start_date, spec.days, params.calendar)
    rows, per_request, queues, events, open_at_horizon = [], [], [], 0, 0
    daily_visits = np.zeros(spec.days)
    daily_covered = np.zeros(spec.days)
    inherited = backlog.for_shard(spec.county, spec.replication) if backlog is not None else None
    at_village: dict[int, pd.DataFrame] = {}
    if inherited is not None:
        in_village = inherited["stage"].isin(("village", "follow_up")).to_numpy()
        at_village = {int(k): g for k, g in inherited[in_village].groupby("village_local")}
        inherited = inherited[~in_village]
    for j, v in villages.iterrows():
        out = _run_village(params, v, int(j), spec, factors, at_village.get(int(j)))
        events += out["events"]
        per_request.append(out["requests"])
        rows.append(out["row"])
        queues.append(out["queue"])
        open_at_horizon += out["open_at_horizon"]
        daily_visits += out["daily_visits"]
        daily_covered += out["daily_covered"]
    req = pd.concat(per_request, ignore_index=True)
    village_township = villages["township_index"].map(local_township).to_numpy()
    req["township_local"] = village_township[req["village"].to_numpy()]
    county_uniforms = []
    if inherited is not None:
        req = _with_county_backlog(params, req, inherited)
        rng = stream(spec.seed, spec.replication, spec.county, -1, "initial-state")
        county_uniforms = [rng.random((len(inherited), DOWNSTREAM_COLUMNS))]
    done = req["village_done"].to_numpy()
    esc_mask = req["escalate"].to_numpy() & np.isfinite(done)
    resolution = done + req["follow_up"].to_numpy()
    trips = np.ones(len(req), dtype=np.int64)
    handoffs = np.zeros(len(req), dtype=np.int64)
    route = np.full(len(req), -1, dtype=np.int64)
    resolution[req["escalate"].to_numpy()] = math.inf  # replaced below by the county stage's answer
    department = np.full(len(req), -1, dtype=np.int64)
    trace = ShardTrace.start(req, esc_mask, spec, event_log_cases)  # None without an event log
    if esc_mask.any():
        escalated = req["escalate"].to_numpy()
        uniforms = np.concatenate([r["downstream"] for r in rows] + county_uniforms)[esc_mask[escalated]]
        stage_out = _run_county(params, req[esc_mask], uniforms, townships, spec, trace and trace.tracer)
        events += stage_out["events"]
        open_at_horizon += stage_out["open_at_horizon"]
        resolution[esc_mask] = stage_out["resolved"]
        trips[esc_mask] = stage_out["trips"]
        handoffs[esc_mask] = stage_out["handoffs"]
        route[esc_mask] = stage_out["route"]
        department[esc_mask] = stage_out["department"]
        queues += stage_out["queues"]
    for r in rows:
        del r["downstream"]
    req["resolution_time"] = resolution
    req["trips"] = trips
    req["handoffs"] = handoffs
    req["route"] = route
    req["department"] = department
    is_inherited = req["inherited"].to_numpy()
    window = spec.window
    result = summarise_shard(
        params,
        req[~is_inherited] if is_inherited.any() else req,
        pd.DataFrame(rows),
        pd.DataFrame(queues),
        daily_visits,
        daily_covered,
        spec,
        events,
        open_at_horizon,
        keep_requests,
    )
    if trace is not None:
        result.event_log = trace.log(params, req, villages, townships)
    if backlog is not None:
        result.inherited = inherited_outcomes(req, window.horizon, window.end)
    if export_state:
        result.open_requests = open_requests(params, req, villages, townships, spec)
    return result


def _with_county_backlog(params: ModelParams, req: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The village requests, then the inherited requests already at a county stage (routes given)."""
    req = pd.concat([req, county_stage_frame(params, rows)], ignore_index=True)
    for column in ("forced_route", "forced_department"):
        req[column] = req[column].fillna(-1).astype(np.int64)
    return req


def _run_village(
    params: ModelParams, v: pd.Series, j: int, spec: ShardSpec, factors: np.ndarray, inherited: pd.DataFrame | None
) -> dict:
    def s(purpose: str) -> np.random.Generator:
        return stream(spec.seed, spec.replication, spec.county, j, purpose)

    on_site_travel = float(v["travel_minutes"]) * params.world.travel.on_site_round_trip_factor / 60.0
    requests = draw_requests(
        params,
        factors,
        float(v["population"]),
        str(v["kind"]),
        on_site_travel,
        s("arrivals"),
        s("service"),
        s("escalation"),
    )
    admin = draw_admin(params, spec.total_days, s)
    calendars, apps = worker_calendars(params, v, spec.total_days, s("roster"))
    book = visit_book(params, v)
    setup = village_setup(params, v, spec, calendars, apps)
    everyone, n_inherited, head_uniforms = requests, 0, np.zeros((0, DOWNSTREAM_COLUMNS))
    if inherited is not None:  # a warm start: this village's backlog on day 0 goes first
        rng = s("initial-state")
        head = inherited_requests(params, inherited[inherited["stage"] == "village"], on_site_travel, rng)
        head_uniforms = rng.random((int(head.escalate.sum()), DOWNSTREAM_COLUMNS))
        everyone, n_inherited = join_requests(head, requests), len(head.time)
    env = simpy.Environment()
    sim = VillageSim(env, setup, everyone, admin, book, inherited=n_inherited)
    env.run(until=sim.stop)
    sim.finish()
    first_response, village_done = np.array(sim.first_response), np.array(sim.village_done)
    frame = pd.DataFrame(
        {
            "village": j,
            "arrival": everyone.time,
            "type_index": everyone.type_index,
            "first_response": first_response,
            "village_done": village_done,
            "follow_up": everyone.follow_up,
            "escalate": everyone.escalate,
            "urgent": everyone.urgent,
            "inherited": np.arange(len(everyone.time)) < n_inherited,
        }
    )
    if inherited is not None:
        frame["initial_stage"] = np.where(frame["inherited"].to_numpy(), "village", None)
        frame = pd.concat(
            [frame, follow_up_frame(params, inherited[inherited["stage"] == "follow_up"], j)], ignore_index=True
        )
    row = village_row(v, j, sim, book, spec)
    row["downstream"] = np.concatenate(
        [head_uniforms, s("downstream").random((int(requests.escalate.sum()), DOWNSTREAM_COLUMNS))]
    )
    daily_visits, daily_covered = village_daily(sim, spec)
    return {
        "requests": frame,
        "row": row,
        "queue": village_queue(v, sim, requests, admin, spec),
        "daily_visits": daily_visits,
        "daily_covered": daily_covered,
        "events": _events(env),
        "open_at_horizon": sim.open_at_horizon,
    }


def _events(env: simpy.Environment) -> int:
    """Events the environment scheduled (SimPy numbers them with a counter)."""
    return next(env._eid)


def _run_county(
    params: ModelParams,
    esc: pd.DataFrame,
    uniforms: np.ndarray,
    townships: pd.DataFrame,
    spec: ShardSpec,
    tracer: Tracer | None = None,
) -> dict:
    types = list(params.requests.types.values())
    type_index = esc["type_index"].to_numpy()
    shares = np.array([[t.routes.township, t.routes.department, t.routes.cross_department] for t in types])
    escalated = Escalated(
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
    periods = tuple((float(s), float(e)) for s, e in params.workers.duty.periods)
    office = (
        cal.always_on_calendar(spec.total_days)
        if params.verification_mode
        else cal.office_calendar(params.world.start_date, spec.total_days, periods, params.calendar.official_holidays)
    )
    env = simpy.Environment()
    stage = CountyStage(
        env,
        params,
        office,
        [int(x) for x in townships["service_staff"]],
        [int(x) for x in townships["enforcement_staff"]],
        float(townships["population"].sum()),
        spec.window,
        stream(spec.seed, spec.replication, spec.county, -1, "downstream-extra"),
    )
    out = run_county_stage(stage, escalated) if tracer is None else run_county_stage(stage, escalated, tracer)
    out["events"] = _events(env)
    out["open_at_horizon"] = stage.open_at_horizon
    out["queues"] = _pool_rows(params, stage, townships, spec)
    return out


def _pool_rows(params: ModelParams, stage: CountyStage, townships: pd.DataFrame, spec: ShardSpec) -> list[dict]:
    names = list(townships["township"])
    county = str(townships["county"].iloc[0])
    dept_names = [d.name for d in params.departments.departments]
    rows = []
    for kind, i, pool in stage.pools():
        assert kind in POOL_KINDS
        town = names[i] if kind != "department" else ""
        label = f"{kind} {names[i]}" if kind != "department" else f"department {dept_names[i]}"
        capacity = pool.capacity_hours()
        backlog = np.array(pool.daily_area) / HOURS  # daily mean jobs in the system
        rows.append(
            queue_row(
                stage=kind,
                county=county,
                township=town,
                name=label,
                servers=pool.servers,
                extra_max=pool.extra_max,
                capacity_h=capacity,
                coping_capacity_h=capacity * (pool.servers + pool.extra_max) / pool.servers,
                offered_h=pool.offered,
                jobs=pool.jobs,
                extra_h=pool.extra_hours,
                open_at_horizon=pool.at_horizon,
                daily_backlog=backlog,
                warmup_days=spec.warmup_days,
            )
        )
    return rows
