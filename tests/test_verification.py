"""The model against queueing theory: Erlang C, Little's law, extreme values, monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from helpers import scenario, small_city
from queueing import assert_in_interval, erlang_c
from sim.analysis.metrics import histogram_counts
from sim.model.records import EDGES

SERVERS, MU = 5, 1.0
RESIDENTS = 1000.0


def rate_for(rho: float) -> float:
    """Requests per 1,000 residents per year giving utilisation rho for the mmc village."""
    lam_per_hour = rho * SERVERS * MU
    return lam_per_hour * 8760.0 / (RESIDENTS / 1000.0)


@pytest.mark.parametrize("rho, days", [(0.5, 200), (0.8, 400), (0.95, 1200)])
def test_mmc_matches_erlang_c(rho: float, days: int) -> None:
    scen = scenario(
        "validation/mmc.yaml", {"requests.types.job.rate_per_1000_residents_per_year": rate_for(rho), "run.days": days}
    )
    res = sim.run(scen, executor="serial")
    lam = rho * SERVERS * MU
    c_prob = erlang_c(SERVERS, lam / MU)
    wq = c_prob / (SERVERS * MU - lam)
    assert_in_interval(res.replications["first_response_hours_mean"], wq, f"village M/M/5 at rho={rho}")
    # P(wait > t) = C exp(-(c mu - lambda) t), read from the pooled histogram at a bin edge
    counts = histogram_counts(res.histograms, "first_response_hours")
    for t in (0.1, 0.5, 1.0):
        k = int(np.searchsorted(EDGES, t))
        observed = counts[k:].sum() / counts.sum()
        expected = c_prob * math.exp(-(SERVERS * MU - lam) * EDGES[k])
        assert abs(observed - expected) < 0.03, (rho, t, observed, expected)
    # utilisation: busy share of duty time equals rho
    assert res.summary["service_share"]["mean"] == pytest.approx(rho, abs=0.01)
    assert res.summary["idle_share"]["mean"] == pytest.approx(1 - res.summary["service_share"]["mean"], abs=1e-9)


def test_littles_law_on_village_queues() -> None:
    """L = λ W for the village queues, in the M/M/c case and in the full baseline model."""
    for scen in (
        scenario("validation/mmc.yaml", {"run.days": 200}),
        small_city(**{"run.days": 120, "run.warmup_days": 20}),
    ):
        res = sim.run(scen, replications=3, executor="serial")
        s = res.summary
        lam_w = s["village_arrival_rate_per_hour"]["mean"] * s["village_wait_hours_mean"]["mean"]
        assert s["village_queue_length_mean"]["mean"] == pytest.approx(lam_w, rel=0.03)


def test_no_burden_means_no_admin() -> None:
    scen = small_city(
        **{
            "run.days": 40,
            "run.warmup_days": 5,
            "admin.signboards_per_village": 0,
            "admin.apps_minutes_per_cadre_day": 0,
            "admin.township_meetings_per_week": 0,
            "admin.documents_per_day": 0,
            "admin.temporary_tasks_per_week": 0,
        }
    )
    res = sim.run(scen, replications=2, executor="serial")
    assert res.summary["admin_share"]["mean"] == 0.0
    assert res.summary["service_share"]["mean"] > 0.0


def test_no_requests_means_visits_fill_duty_time() -> None:
    """With no requests and no admin, duty time goes to visits and their travel; only fragments stay idle.

    Households may be revisited daily here, so the visit pool never runs dry.
    """
    scen = small_city(
        **{
            "visits.min_revisit_days": 1,
            "run.days": 30,
            "run.warmup_days": 2,
            "requests.demand_multiplier": 0,
            "admin.signboards_per_village": 0,
            "admin.apps_minutes_per_cadre_day": 0,
            "admin.township_meetings_per_week": 0,
            "admin.documents_per_day": 0,
            "admin.temporary_tasks_per_week": 0,
        }
    )
    res = sim.run(scen, replications=1, executor="serial")
    s = {k: v["mean"] for k, v in res.summary.items()}
    assert s["requests_arrived"] == 0 and s["service_share"] == 0 and s["admin_share"] == 0
    assert s["visit_share"] + s["travel_share"] + s["idle_share"] == pytest.approx(1.0, abs=1e-9)
    # idle is at most one visit (15 min + longest travel) per duty period per worker-day: 2 periods of 3.5 h
    villages = res.tables["by_village_kind"]
    longest_visit = (15 + 60) / 60
    assert s["idle_share"] <= 2 * longest_visit / 7.0
    assert (villages["idle_share"] < 0.25).all()


def test_more_workers_never_hurt() -> None:
    """Monotonic with common random numbers: more staff ⇒ first response no longer, visits no fewer."""
    base = small_city(**{"run.days": 60, "run.warmup_days": 10})
    more = small_city(
        **{
            "run.days": 60,
            "run.warmup_days": 10,
            "workers.work_team.members_per_village": 3,
            "workers.work_team.ramp_up_days": 0,
        }
    )
    a = sim.run(base, replications=3, executor="serial").replications
    b = sim.run(more, replications=3, executor="serial").replications
    assert (b["first_response_hours_mean"] <= a["first_response_hours_mean"]).all()
    assert (b["household_visits_per_day"] >= a["household_visits_per_day"]).all()
