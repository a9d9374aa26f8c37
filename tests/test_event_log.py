"""The event log (issue 18 part 3): it agrees with the request records, pm4py reads it, and it is bounded.

Why these checks: a process-mining log is only worth analysing if its durations are the run's
durations (so a mined bottleneck is the model's bottleneck), if standard tools read it, and if
switching it on neither changes a number nor lets memory grow with the city.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers import SCENARIOS, small_city
from sim.cli import app
from sim.experiment.runner import Results, RunOptions, build_tasks, run
from sim.experiment.tasks import Horizon, RawOutputs
from sim.model.event_log import sample_cases
from sim.scenario.loader import load_scenario

SMALL = {"run.days": 30, "run.warmup_days": 5, "run.drain_days": 60}


@pytest.fixture(scope="module")
def logged() -> Results:
    """Malong, 30 days, one replication: every request row and the events of 1,500 of them."""
    scen = small_city("baseline.yaml", **SMALL)
    return run(scen, RunOptions(replications=1, executor="serial", keep_requests=True, event_log_cases=1500))


def _times(log: pd.DataFrame, activity: str) -> pd.Series:
    rows = log[log["concept:name"] == activity]
    return pd.Series(rows["time:timestamp"].to_numpy(), index=rows["case:request"].to_numpy())


def test_per_case_durations_reproduce_the_request_records(logged: Results) -> None:
    log, req = logged.extra["event_log"], logged.extra["requests"].set_index("request")
    assert log["case:concept:name"].nunique() == 1500
    arrival = _times(log, "arrival")
    assert arrival.index.is_unique and len(arrival) == 1500
    hours = lambda s: (s - arrival.loc[s.index]).dt.total_seconds().to_numpy() / 3600.0  # noqa: E731
    first, resolved = _times(log, "first response"), _times(log, "resolved")
    np.testing.assert_allclose(hours(first), req.loc[first.index, "first_response_hours"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(hours(resolved), req.loc[resolved.index, "resolution_hours"], rtol=0, atol=1e-6)
    # a case without a logged resolution is exactly one the records count as open when the drain ended
    open_cases = set(arrival.index) - set(resolved.index)
    assert open_cases == set(req.loc[arrival.index][req.loc[arrival.index, "resolution_hours"].isna()].index)
    # the logged cases' means are the records' means for them (what a process-mining tool would report)
    assert hours(resolved).mean() == pytest.approx(req.loc[resolved.index, "resolution_hours"].mean(), abs=1e-6)
    # every case's events are in time order, and an escalated case is handed to an office
    assert log.groupby("case:concept:name")["time:timestamp"].apply(lambda s: s.is_monotonic_increasing).all()
    escalated = set(_times(log, "escalated").index)
    offices = set(log.loc[log["org:group"] != "village", "case:request"])
    assert escalated and escalated == offices


def test_case_attributes_match_the_records(logged: Results) -> None:
    log, req = logged.extra["event_log"], logged.extra["requests"].set_index("request")
    cases = log.drop_duplicates("case:concept:name").set_index("case:request")
    names = np.array(list(logged.scenario.requests.types))
    assert (cases["case:request_type"] == names[req.loc[cases.index, "type_index"]]).all()
    assert (cases["case:urgent"] == req.loc[cases.index, "urgent"]).all()
    assert set(cases["case:county"]) == {"Malong"} and cases["case:township"].str.startswith("Malong").all()
    routes = {"village", "township", "department", "cross_department", "delegated"}
    assert set(cases["case:route"]) <= routes and "township" in set(cases["case:route"])


def test_the_log_changes_no_number() -> None:
    scen = small_city("power_down.yaml", **SMALL)
    plain = run(scen, RunOptions(replications=1, executor="serial"))
    with_log = run(scen, RunOptions(replications=1, executor="serial", event_log_cases=300))
    assert "event_log" in with_log.extra and "event_log" not in plain.extra
    pd.testing.assert_frame_equal(plain.replications, with_log.replications)
    pd.testing.assert_frame_equal(plain.tables["by_township"], with_log.tables["by_township"])


def test_sampling_bounds_the_number_of_cases() -> None:
    rng = np.random.default_rng(1)
    arrival = np.arange(100.0)
    chosen = sample_cases(arrival, 10.0, 60.0, 20, rng)
    assert len(chosen) == 20 and len(set(chosen)) == 20 and ((chosen >= 10) & (chosen < 60)).all()
    assert len(sample_cases(arrival, 10.0, 60.0, 500, rng)) == 50  # fewer requests than the quota: all of them
    assert len(sample_cases(arrival, 10.0, 60.0, 0, rng)) == 0
    # the quota of a replication is split over the counties and never exceeded
    city = load_scenario(SCENARIOS / "baseline.yaml")
    horizon = Horizon(seed=1, days=30, warmup_days=5, drain_days=0)
    tasks = build_tasks(city, range(2), horizon, RawOutputs(event_log_cases=2000))
    for r in range(2):
        quotas = [t.raw.event_log_cases for t in tasks if t.replication == r]
        assert len(quotas) == 9 and sum(quotas) == 2000 and max(quotas) - min(quotas) <= 1
    assert all(t.raw.event_log_cases == 0 for t in build_tasks(city, range(1), horizon))
    # and a run logs exactly the quota when there are enough requests
    scen = small_city("baseline.yaml", **SMALL)
    res = run(scen, RunOptions(replications=2, executor="serial", event_log_cases=40))
    cases = res.extra["event_log"]["case:concept:name"].drop_duplicates()
    per_rep = cases.str.split("-").str[0].value_counts()  # case ids are replication-county-request
    assert per_rep.to_dict() == {"0": 40, "1": 40}


def test_cli_writes_a_log_that_pm4py_reads_and_mines(tmp_path) -> None:
    pm4py = pytest.importorskip("pm4py")
    out = tmp_path / "run"
    args = ["run", str(SCENARIOS / "baseline.yaml"), "--set", "world.counties=[Malong]", "--days", "30"]
    args += ["--warmup-days", "5", "-r", "1", "--executor", "serial", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, [*args, "--event-log", "--event-log-cases", "1500"])
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(out / "event_log.csv")
    assert csv["case:concept:name"].nunique() == 1500
    assert csv["time:timestamp"].str.endswith("+08:00").all()
    log = pm4py.read_xes(str(out / "event_log.xes"))
    assert log["case:concept:name"].nunique() == 1500 and len(log) == len(csv)
    assert {"case:request_type", "case:township", "org:resource"} <= set(log.columns)
    dfg, start, _end = pm4py.discover_dfg(log)
    assert set(start) == {"arrival"}
    assert ("arrival", "first response") in dfg
    assert ("escalated", "township accepts") in dfg  # the hand-off from the village to the township
    assert ("whistle", "department accepts") in dfg  # the township calls in a county department
    assert ("department work done", "department accepts") in dfg  # departments in sequence, or rework
