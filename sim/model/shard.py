"""One replication of one county: villages one by one, then the county stage.

Why the county is the shard: counties share no resources, so (replication,
county) tasks are independent and can run in any process or on any machine;
each returns compact tables (per village, per request type and kind as
histograms, per day) so that thousands of tasks keep memory flat.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import simpy

from sim.model import calendar as cal
from sim.model.admin_tasks import draw_admin
from sim.model.demand import day_factors, draw_requests
from sim.model.escalation import FIXED_COLUMNS, STEP_COLUMNS, CountyStage, Escalated, run_county_stage
from sim.model.outcomes import summarise_shard
from sim.model.records import ShardResult
from sim.model.streams import stream
from sim.model.village import VillageSetup, VillageSim
from sim.model.visits import VisitBook
from sim.scenario.params import ModelParams
from sim.world import World

HOURS = cal.HOURS_PER_DAY


def run_shard(params: ModelParams, world: World, county: int, replication: int, seed: int, days: int,
              warmup_days: int, keep_requests: bool = False) -> ShardResult:
    """Simulate one county for one replication."""
    horizon = days * HOURS
    warmup = warmup_days * HOURS
    villages = world.county_villages(county).reset_index(drop=True)
    townships = world.county_townships(county)
    local_township = {t: k for k, t in enumerate(townships["township_index"])}
    factors = day_factors(params.requests, params.world.start_date, days)
    types = list(params.requests.types.values())
    follow_up = np.array([t.follow_up_days * HOURS for t in types])
    rows, per_request, events = [], [], 0
    daily_visits = np.zeros(days)
    daily_covered = np.zeros(days)
    for j, v in villages.iterrows():
        j = int(j)
        out, ev = _run_village(params, v, county, j, replication, seed, days, horizon, warmup, factors)
        events += ev
        per_request.append(out["requests"])
        rows.append(out["row"])
        daily_visits += out["daily_visits"]
        daily_covered += out["daily_covered"]
    req = pd.concat(per_request, ignore_index=True)
    village_township = villages["township_index"].map(local_township).to_numpy()
    req["township_local"] = village_township[req["village"].to_numpy()]
    esc_mask = req["escalate"].to_numpy() & np.isfinite(req["village_done"].to_numpy())
    resolution = req["village_done"].to_numpy() + follow_up[req["type_index"].to_numpy()]
    resolution[~np.isfinite(req["village_done"].to_numpy())] = math.inf
    trips = np.ones(len(req), dtype=np.int64)
    handoffs = np.zeros(len(req), dtype=np.int64)
    route = np.full(len(req), -1, dtype=np.int64)
    if esc_mask.any():
        stage_out, stage_events = _run_county(params, req[esc_mask], townships, county, replication, seed, days,
                                              horizon)
        events += stage_events
        resolution[esc_mask] = stage_out["resolved"]
        trips[esc_mask] = stage_out["trips"]
        handoffs[esc_mask] = stage_out["handoffs"]
        route[esc_mask] = stage_out["route"]
    req["resolution_time"] = resolution
    req["trips"] = trips
    req["handoffs"] = handoffs
    req["route"] = route
    return summarise_shard(params, req, pd.DataFrame(rows), daily_visits, daily_covered, days, horizon, warmup,
                           events, keep_requests)


def _worker_calendars(params: ModelParams, v: pd.Series, days: int, roster: np.random.Generator
                      ) -> tuple[list[cal.Calendar], list[float]]:
    """Cadres' and work-team members' calendars, and each one's daily app minutes (hours)."""
    if params.verification_mode:
        n = int(v["cadres"]) + int(v["team_members"])
        return [cal.always_on_calendar(days)] * n, [0.0] * n
    duty = params.workers.duty
    periods = tuple((float(s), float(e)) for s, e in duty.periods)
    day_hours = sum(e - s for s, e in periods)
    apps = min(params.admin.apps_minutes_per_cadre_day / 60.0, day_hours)
    start = params.world.start_date
    n_cadres = int(v["cadres"])
    calendars = [cal.cadre_calendar(start, days, periods, n_cadres, i, duty.weekend_on_duty, apps)
                 for i in range(n_cadres)]
    overhead = [apps] * n_cadres
    team = params.workers.work_team
    n_members = int(v["team_members"])
    phases = roster.random(n_members)
    arrivals = roster.random(n_members) * team.ramp_up_days
    member_apps = apps if team.does_apps else 0.0
    for k in range(n_members):
        calendars.append(cal.member_calendar(start, days, periods, team.availability, round(float(phases[k]), 2),
                                             int(arrivals[k]), member_apps))
        overhead.append(member_apps)
    return calendars, overhead


def _run_village(params: ModelParams, v: pd.Series, county: int, j: int, replication: int, seed: int, days: int,
                 horizon: float, warmup: float, factors: np.ndarray) -> tuple[dict, int]:
    def s(purpose: str) -> np.random.Generator:
        return stream(seed, replication, county, j, purpose)

    travel_min = float(v["travel_minutes"])
    on_site_travel = travel_min * params.world.travel.on_site_round_trip_factor / 60.0
    requests = draw_requests(params, factors, float(v["population"]), str(v["kind"]), on_site_travel,
                             s("arrivals"), s("service"), s("escalation"))
    admin = draw_admin(params, days, s)
    calendars, apps = _worker_calendars(params, v, days, s("roster"))
    vp = params.visits
    verification = params.verification_mode
    book = VisitBook(int(v["households"]), int(v["vulnerable_households"]), vp.vulnerable_interval_days,
                     vp.ordinary_interval_days, vp.min_revisit_days)
    if vp.campaign is not None:
        share = vp.campaign.target_share_of_households
        target = int(v["vulnerable_households"]) if share is None else int(round(share * int(v["households"])))
        book.start_campaign(vp.campaign.start_day, vp.campaign.days, target, share is None)
    visit_travel = travel_min / 60.0
    setup = VillageSetup(
        calendars=calendars, apps_hours=apps,
        visit_hours=math.inf if verification else vp.visit_minutes / 60.0 + visit_travel,
        visit_travel_hours=visit_travel,
        priority=tuple(params.policy.priority), due_soon_hours=params.admin.due_soon_hours,
        on_call_delay=params.workers.duty.on_call_delay_hours,
        overtime_hours=0.0 if verification else params.workers.duty.overtime_hours_per_day,
        close_hour=HOURS if verification else float(params.workers.duty.periods[-1][1]),
        warmup=warmup, horizon=horizon,
    )
    env = simpy.Environment()
    sim = VillageSim(env, setup, requests, admin, book)
    env.run(until=horizon)
    sim.finish()
    led = sim.ledger
    n = len(requests.time)
    frame = pd.DataFrame({
        "village": j, "arrival": requests.time, "type_index": requests.type_index,
        "first_response": np.array(sim.first_response), "village_done": np.array(sim.village_done),
        "escalate": requests.escalate, "urgent": requests.urgent, "key": np.arange(n),
    })
    coverage = np.array(led.daily_covered)
    window = slice(int(warmup // HOURS), days)
    row = {
        "village_index": j, "village_id": int(v["village_id"]), "county": str(v["county"]),
        "township": str(v["township"]), "township_index": int(v["township_index"]),
        "kind": v["kind"], "population": int(v["population"]), "cadres": int(v["cadres"]),
        "team_members": int(v["team_members"]), "vulnerable": int(v["vulnerable_households"]),
        "service_h": led.service, "travel_h": led.travel, "admin_h": led.admin, "visit_h": led.visit,
        "idle_h": led.idle, "overtime_h": led.overtime, "duty_h": led.duty, "worker_days": led.worker_days,
        "visits": led.visits, "queue_area": led.queue_area,
        "covered_days": float(coverage[window].sum()),
        "campaign_done_day": book.campaign_done_day, "campaign_peak": book.campaign_peak,
    }
    daily_visits = np.zeros(days)
    daily_visits[: len(led.daily_visits)] = led.daily_visits[:days]
    daily_covered = np.zeros(days)
    daily_covered[: len(coverage)] = coverage[:days]
    return {"requests": frame, "row": row, "daily_visits": daily_visits, "daily_covered": daily_covered}, _events(env)


def _events(env: simpy.Environment) -> int:
    """Events the environment scheduled (SimPy numbers them with a counter)."""
    return next(env._eid)


def _run_county(params: ModelParams, esc: pd.DataFrame, townships: pd.DataFrame, county: int, replication: int,
                seed: int, days: int, horizon: float) -> tuple[dict, int]:
    types = list(params.requests.types.values())
    shares = np.array([[t.routes.township, t.routes.department, t.routes.cross_department] for t in types])
    dmin = np.array([t.departments_min for t in types])
    dmax = np.array([t.departments_max for t in types])
    n_depts = len(params.departments.departments)
    rng = stream(seed, replication, county, -1, "downstream")
    uniforms = rng.random((len(esc), FIXED_COLUMNS + n_depts + STEP_COLUMNS))
    type_index = esc["type_index"].to_numpy()
    village_township = esc["township_local"].to_numpy()
    escalated = Escalated(ready=esc["village_done"].to_numpy(), township=village_township,
                          route_shares=shares[type_index], dept_min=dmin[type_index], dept_max=dmax[type_index])
    periods = tuple((float(s), float(e)) for s, e in params.workers.duty.periods)
    office = cal.office_calendar(params.world.start_date, days, periods)
    env = simpy.Environment()
    stage = CountyStage(env, params, office, [int(x) for x in townships["service_staff"]],
                        [int(x) for x in townships["enforcement_staff"]], uniforms,
                        stream(seed, replication, county, -1, "downstream-extra"))
    out = run_county_stage(stage, escalated, horizon)
    return out, _events(env)
