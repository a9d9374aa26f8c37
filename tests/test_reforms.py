"""The three reform levers: expected directions with common random numbers, CRN precision, decomposition."""

from __future__ import annotations

import pytest

import sim
from helpers import SCENARIOS, small_city
from sim.analysis.stats import independent_difference, paired_difference
from sim.experiment.compare import compare_scenarios, decomposition, marginal_values
from sim.experiment.runner import RunOptions

SMALL = {"run.days": 75, "run.warmup_days": 15}
OPTIONS = RunOptions(replications=3, executor="serial", cache_dir=None)


@pytest.fixture(scope="module")
def comparison():
    names = ["baseline", "staff_down", "burden_down", "power_down", "reform_2022"]
    scenarios = [small_city(f"{n}.yaml", **SMALL) for n in names]
    return compare_scenarios(scenarios, OPTIONS)


def diff(comp, scenario: str, metric: str) -> dict:
    row = comp.table[(comp.table["scenario"] == scenario) & (comp.table["metric"] == metric)].iloc[0]
    return row.to_dict()


def test_staff_down_directions(comparison) -> None:
    assert diff(comparison, "staff_down", "first_response_hours_mean")["ci_high"] <= 0
    assert (
        diff(comparison, "staff_down", "resolution_hours_mean")["mean_diff"]
        <= 0.05 * diff(comparison, "staff_down", "resolution_hours_mean")["base_mean"]
    )
    assert diff(comparison, "staff_down", "household_visits_per_day")["ci_low"] > 0


def test_burden_down_directions(comparison) -> None:
    admin = diff(comparison, "burden_down", "admin_share")
    assert admin["relative_change"] <= -1 / 3 + 0.02  # "by about a third or more"
    assert diff(comparison, "burden_down", "household_visits_per_day")["ci_low"] > 0


def test_power_down_directions(comparison) -> None:
    assert diff(comparison, "power_down", "resolution_hours_mean")["ci_high"] < 0
    assert diff(comparison, "power_down", "resident_trips_per_request")["ci_high"] < 0
    assert diff(comparison, "power_down", "handoffs_per_cross_department_request")["ci_high"] < 0
    # nothing changes at the village: first response identical replication by replication
    assert diff(comparison, "power_down", "first_response_hours_mean")["mean_diff"] == 0


def test_reform_2022_has_all_effects(comparison) -> None:
    for metric in (
        "first_response_hours_mean",
        "resolution_hours_mean",
        "resident_trips_per_request",
        "handoffs_per_cross_department_request",
        "admin_share",
    ):
        assert diff(comparison, "reform_2022", metric)["ci_high"] < 0, metric
    assert diff(comparison, "reform_2022", "household_visits_per_day")["ci_low"] > 0


def test_common_random_numbers_narrow_the_interval() -> None:
    base = small_city("baseline.yaml", **SMALL)
    other = small_city("staff_down.yaml", **SMALL)
    b = sim.run(base, replications=4, executor="serial").replications
    o_same = sim.run(other, replications=4, executor="serial").replications
    o_indep = sim.run(other, replications=4, executor="serial", seed=777).replications
    metric = "first_response_hours_mean"
    paired = paired_difference(b[metric], o_same[metric])
    indep = independent_difference(b[metric], o_indep[metric])
    # same seeds: the difference's interval is clearly narrower than with independent seeds
    assert paired["ci_high"] - paired["ci_low"] < 0.8 * (indep["ci_high"] - indep["ci_low"])


def test_decomposition_and_marginal_values() -> None:
    opts = RunOptions(replications=2, executor="serial", cache_dir=None, days=40, warmup_days=10)
    base = SCENARIOS / "baseline.yaml"
    over = {"world.counties": ["Malong"]}
    table = decomposition(base, [SCENARIOS / "staff_down.yaml", SCENARIOS / "burden_down.yaml"], opts, {}, over)
    terms = set(table["term"])
    assert {"staff_down", "burden_down", "staff_down+burden_down", "interaction"} <= terms
    visits = table[table["metric"] == "household_visits_per_day"].set_index("term")["effect"]
    # the combined run is the same (one-county) world: its effect is of the order of the single effects
    assert 0 < visits["staff_down+burden_down"] < 2 * (visits["staff_down"] + visits["burden_down"])
    assert visits["interaction"] == pytest.approx(
        visits["staff_down+burden_down"] - visits["staff_down"] - visits["burden_down"]
    )
    mv = marginal_values(small_city("baseline.yaml", **{"run.days": 40, "run.warmup_days": 10}), opts)
    worker = mv[(mv["lever"] == "+1 worker per village") & (mv["metric"] == "household_visits_per_day")].iloc[0]
    sign = mv[(mv["lever"] == "-1 signboard per village") & (mv["metric"] == "admin_share")].iloc[0]
    assert worker["change_per_unit"] > 0 and worker["ci_low"] > 0
    assert sign["change_per_unit"] < 0
    assert set(mv["lever"]) == {"+1 worker per village", "-1 signboard per village", "+1 delegated item"}
