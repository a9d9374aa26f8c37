"""The verification ladder: each stage of the model against an exact or an independent answer.

Rungs: the county stage's staff pool against Erlang C (component and end to end); two-class
non-preemptive priority against Cobham's formula (staff pool and village); duty calendars,
lunch breaks, weekend rosters, app time, overtime, on-call and admin priority in deterministic
cases computed by hand; a staffed queue with a shift schedule against Ciw on identical inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from helpers import scenario
from queueing import assert_in_interval, cobham_waits, mmc_wait
from sim.model.admin_tasks import AdminArrays
from sim.model.calendar import Calendar, DutyPlan, always_on_calendar, cadre_calendar
from sim.model.demand import RequestArrays
from sim.model.event_list import CallbackList
from sim.model.staff_pool import StaffPool, Window
from sim.model.village import VillageSim
from sim.model.village_setup import VillageSetup
from sim.model.visits import VisitBook
from sim.scenario.params import CopingParams

NO_COPING = CopingParams(max_extra_staff_ratio=0.0)


# ------------------------------------------------------------------ the staff pool as M/M/c


def pool_waits(
    c: int, lams: list[float], mu: float, customers: int, seed: int, cal: Calendar | None = None
) -> tuple[list[float], list[float]]:
    """Simulate one StaffPool fed by Poisson classes (first = urgent); per-class waits and sojourns.

    With an always-on calendar service takes exactly its work, so wait = sojourn - work.
    """
    rng = np.random.default_rng(seed)
    lam = sum(lams)
    times = np.cumsum(rng.exponential(1 / lam, customers))
    urgent = rng.random(customers) < lams[0] / lam if len(lams) > 1 else np.zeros(customers, dtype=bool)
    work = rng.exponential(1 / mu, customers)
    days = int(times[-1] // 24) + 400
    horizon = days * 24.0
    clock = CallbackList()
    pool = StaffPool(clock, c, cal or always_on_calendar(days), Window(0.0, horizon, horizon), NO_COPING)
    sojourn = np.full(customers, math.nan)

    def arrive(i: int) -> None:
        t0 = clock.now
        pool.submit(float(work[i]), lambda: sojourn.__setitem__(i, clock.now - t0), bool(urgent[i]))
        if i + 1 < customers:
            clock.call_in(times[i + 1] - clock.now, lambda: arrive(i + 1))

    clock.call_in(times[0], lambda: arrive(0))
    clock.call_in(horizon, clock.stop)  # 400 days after the last arrival: every job is done
    clock.run()
    assert not np.isnan(sojourn).any()
    keep = slice(customers // 10, None)  # the first tenth is warm-up
    wait = (sojourn - work)[keep]
    cls = urgent[keep]
    urgent_wait = float(wait[cls].mean()) if cls.any() else math.nan
    return [urgent_wait, float(wait[~cls].mean())], [float(sojourn[keep].mean())]


@pytest.mark.parametrize(
    "c, rho, customers", [(1, 0.5, 20_000), (3, 0.8, 40_000), (2, 0.9, 60_000), (5, 0.95, 120_000)]
)
def test_staff_pool_matches_erlang_c(c: int, rho: float, customers: int) -> None:
    """10 replications; customers grow with ρ because the wait's variance grows like 1/(1-ρ)^4."""
    mu = 1.0
    lam = rho * c * mu
    waits = [pool_waits(c, [lam], mu, customers, seed)[0][1] for seed in range(10)]
    assert_in_interval(waits, mmc_wait(c, lam, mu), f"M/M/{c} at rho={rho}")


def test_staff_pool_urgent_first_matches_cobham() -> None:
    """Two non-preemptive classes in M/M/3 at ρ = 0.85 (30 % urgent): Cobham's waits for both."""
    c, mu, lams = 3, 1.0, [0.3 * 2.55, 0.7 * 2.55]
    expected = cobham_waits(c, lams, mu)
    runs = [pool_waits(c, lams, mu, 60_000, seed)[0] for seed in range(10)]
    assert_in_interval([r[0] for r in runs], expected[0], "urgent class")
    assert_in_interval([r[1] for r in runs], expected[1], "routine class")
    assert expected[0] < 0.5 * expected[1]  # the formula's own size of the effect


def test_township_stage_end_to_end_matches_erlang_c() -> None:
    """The whole model with a village that escalates everything at once: resolution = Wq + 1/μ of M/M/3."""
    res = sim.run(scenario("validation/township_mmc.yaml"))
    values = res.replications["resolution_hours_mean"]
    assert_in_interval(values, mmc_wait(3, 2.4, 1.0) + 1.0, "township M/M/3 at rho=0.8")
    pool = res.tables["queues"].query("stage == 'township'").iloc[0]
    assert pool["servers"] == 3 and pool["utilisation"] == pytest.approx(0.8, abs=0.02)


def test_village_urgent_first_matches_cobham() -> None:
    """The village's worker pool with urgent and routine requests (M/M/5, ρ = 0.8, 30 % urgent)."""
    lam = 4.0  # per hour
    rate = lam * 8760.0  # per 1,000 residents per year, for the 1,000-resident village
    overrides = {
        "requests.types": {
            "urgent": {
                "rate_per_1000_residents_per_year": 0.3 * rate,
                "urgent": True,
                "effort_hours": {"kind": "exponential", "mean": 1.0},
                "time_limit_hours": 24,
            },
            "routine": {
                "rate_per_1000_residents_per_year": 0.7 * rate,
                "effort_hours": {"kind": "exponential", "mean": 1.0},
                "time_limit_hours": 24,
            },
        },
        "run.days": 300,
    }
    res = sim.run(scenario("validation/mmc.yaml", overrides))
    # Little's law with both classes: L from the queues' length integral, λW from the requests' own waits
    s = res.summary
    lam_w = s["village_arrival_rate_per_hour"]["mean"] * s["village_wait_hours_mean"]["mean"]
    assert s["village_queue_length_mean"]["mean"] == pytest.approx(lam_w, rel=0.03)
    table = res.tables["by_request_type"]
    expected = dict(zip(("urgent", "routine"), cobham_waits(5, [0.3 * lam, 0.7 * lam], 1.0), strict=True))
    for name, wait in expected.items():
        assert_in_interval(table.loc[table["request_type"] == name, "first_response_hours_mean"], wait, name)


# ------------------------------------------------------------------ a shift schedule against Ciw


def test_staffed_queue_with_shifts_matches_ciw() -> None:
    """Two staff on duty 08:00-16:00 every day, Poisson arrivals around the clock, work paused at the
    shift end and resumed at the next start: our StaffPool and Ciw (preemption='resume') on the same
    inputs. Mean time in system over 10 replications each; the difference's 99 % interval contains 0.
    """
    ciw = pytest.importorskip("ciw")
    lam, mu, c, customers = 0.45, 1.5, 2, 12_000  # 0.45 x 24 / 1.5 = 7.2 h of work a day for 16 staff-hours
    days = int(customers / lam / 24) + 400
    shift = Calendar([True] * days, ((8.0, 16.0),))
    ours = [pool_waits(c, [lam], mu, customers, seed, cal=shift)[1][0] for seed in range(10)]
    theirs = []
    for seed in range(10):
        ciw.seed(seed)
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=lam)],
            service_distributions=[ciw.dists.Exponential(rate=mu)],
            number_of_servers=[
                ciw.Schedule(numbers_of_servers=[0, c, 0], shift_end_dates=[8.0, 16.0, 24.0], preemption="resume")
            ],
        )
        q = ciw.Simulation(network)
        q.simulate_until_max_customers(customers, method="Finish")
        recs = [r for r in q.get_all_records() if r.record_type == "service"]
        recs = sorted(recs, key=lambda r: r.arrival_date)[customers // 10 :]
        theirs.append(float(np.mean([r.exit_date - r.arrival_date for r in recs])))
    diff = np.array(ours) - np.array(theirs)
    half = 3.25 * np.hypot(np.std(ours, ddof=1), np.std(theirs, ddof=1)) / math.sqrt(10)  # t(0.995, 9)
    assert abs(diff.mean()) <= half, (np.mean(ours), np.mean(theirs), half)


# ------------------------------------------------------------------ deterministic calendar cases

PERIODS = ((8.5, 12.0), (14.5, 18.0))
MONDAY = "2021-01-04"


def village(
    requests: list[tuple[float, float, bool]],
    admin: list[tuple[float, float, float]] = (),
    cadres: int = 1,
    days: int = 7,
    apps: float = 0.0,
    overtime: float = 0.0,
    weekend_on_duty: int = 1,
    on_call_delay: float = 0.5,
) -> VillageSim:
    """One village with hand-placed requests (time, work, urgent) and admin tasks (time, hours, due)."""
    cals = [
        cadre_calendar(DutyPlan(MONDAY, days + 3, PERIODS), cadres, i, weekend_on_duty, apps) for i in range(cadres)
    ]
    n = len(requests)
    req = RequestArrays(
        time=np.array([r[0] for r in requests], dtype=float),
        type_index=np.zeros(n, dtype=np.int16),
        work=np.array([r[1] for r in requests], dtype=float),
        travel=np.zeros(n),
        urgent=np.array([r[2] for r in requests], dtype=bool),
        escalate=np.zeros(n, dtype=bool),
        follow_up=np.zeros(n),
    )
    adm = AdminArrays(
        time=np.array([a[0] for a in admin], dtype=float),
        hours=np.array([a[1] for a in admin], dtype=float),
        due=np.array([a[2] for a in admin], float),
    )
    setup = VillageSetup(
        calendars=cals,
        apps_hours=[apps] * cadres,
        visit_hours=math.inf,
        visit_travel_hours=0.0,
        priority=("urgent", "admin_due", "routine", "admin"),
        due_soon_hours=24.0,
        on_call_delay=on_call_delay,
        overtime_hours=overtime,
        close_hour=18.0,
        warmup=0.0,
        horizon=days * 24.0,
        end=(days + 2) * 24.0,
    )
    v = VillageSim(setup, req, adm, VisitBook(0, 0, 30, 182, 30))
    v.run()
    return v


def test_lunch_break_and_night_pause_the_work() -> None:
    v = village([(11.0, 2.0, False), (24 + 17.0, 2.0, False)])
    assert v.first_response == [11.0, 24 + 17.0]
    assert v.village_done[0] == pytest.approx(15.5)  # 1 h before lunch, 1 h after 14:30
    assert v.village_done[1] == pytest.approx(48 + 9.5)  # 1 h before 18:00, 1 h from 08:30 next morning
    assert v.ledger.service == pytest.approx(4.0)


def test_overtime_finishes_work_in_progress_and_serves_the_queue() -> None:
    # A: 16:00, 2.5 h (0.5 h left at 18:00); B: 17:00, 0.3 h, waits for the only cadre
    with_ot = village([(16.0, 2.5, False), (17.0, 0.3, False)], overtime=1.0)
    assert with_ot.village_done[0] == pytest.approx(18.5)  # finished in overtime
    assert with_ot.first_response[1] == pytest.approx(18.5) and with_ot.village_done[1] == pytest.approx(18.8)
    assert with_ot.ledger.overtime == pytest.approx(0.5 + 0.3)
    assert with_ot.ledger.service == pytest.approx(2.0)  # 16:00-18:00 on duty
    short = village([(16.0, 2.5, False), (17.0, 0.3, False)], overtime=0.25)  # 0.5 h left > 0.25 h of overtime
    assert short.village_done[0] == pytest.approx(24 + 9.0) and short.first_response[1] == pytest.approx(24 + 9.0)
    assert short.ledger.overtime == 0.0
    none = village([(16.0, 2.5, False), (17.0, 0.3, False)], overtime=0.0)
    assert none.village_done[0] == pytest.approx(24 + 9.0)


def test_app_time_delays_the_first_period_and_counts_as_admin() -> None:
    v = village([(9.0, 0.5, False)], apps=1.0, days=5)  # Monday-Friday
    assert v.first_response[0] == pytest.approx(9.5) and v.village_done[0] == pytest.approx(10.0)
    assert v.ledger.admin == pytest.approx(5 * 1.0)  # one hour of apps on each of 5 duty days
    assert v.ledger.duty == pytest.approx(5 * 7.0)  # apps are duty time spent on admin


def test_weekend_roster_puts_one_cadre_on_duty() -> None:
    sat = 5 * 24.0  # 2021-01-09
    v = village([(sat + 10.0, 1.0, False), (sat + 10.5, 0.5, False)], cadres=2, days=7)
    assert v.first_response[1] == pytest.approx(sat + 11.0)  # only one cadre on Saturday: B waits for A
    assert v.ledger.worker_days == 2 * 5 + 2  # weekdays for both, one cadre each weekend day
    assert v.ledger.duty == pytest.approx(12 * 7.0)
    nobody = village([(sat + 10.0, 1.0, False)], cadres=2, days=7, weekend_on_duty=0)
    assert nobody.first_response[0] == pytest.approx(7 * 24 + 8.5)  # Monday morning


def test_on_call_answers_urgent_requests_out_of_hours_after_its_delay() -> None:
    v = village([(22.0, 1.0, True), (22.0, 1.0, False)], on_call_delay=0.5)
    assert v.first_response[0] == pytest.approx(22.5) and v.village_done[0] == pytest.approx(23.5)
    assert v.first_response[1] == pytest.approx(24 + 8.5)  # routine waits for the morning
    assert v.ledger.overtime == pytest.approx(1.0)
    slow = village([(22.0, 1.0, True)], on_call_delay=2.0)
    assert slow.first_response[0] == pytest.approx(24.0)


def test_an_admin_task_near_its_deadline_outranks_routine_requests() -> None:
    # the cadre is busy 08:30-10:00; an admin task (1 h) and a routine request arrive meanwhile
    due_soon = village([(8.5, 1.5, False), (9.1, 0.5, False)], admin=[(9.0, 1.0, 9.0 + 20.0)])
    assert due_soon.first_response[1] == pytest.approx(11.0)  # admin first (due within 24 h), then the request
    not_due = village([(8.5, 1.5, False), (9.1, 0.5, False)], admin=[(9.0, 1.0, 9.0 + 100.0)])
    assert not_due.first_response[1] == pytest.approx(10.0)  # routine before admin that is not yet due
    assert due_soon.ledger.admin_tasks == 1 and due_soon.ledger.admin_late == 0
