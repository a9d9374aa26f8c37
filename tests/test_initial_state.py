"""Warm start (issue 18 part 1): a run can start from a table of open requests, and that is exact.

Why these checks: an analyst's "the streets have 4,000 open cases today" only answers a question
if (1) a bad table is refused with its file, line and column before anything runs, (2) the open
requests of a run's horizon, fed back as a start, continue that run in distribution (the M/M/5
round trip below, where the restart is exact because service and arrivals are memoryless), (3)
new arrivals keep their common random numbers, so warm minus cold is the backlog's effect alone,
and (4) the inherited backlog is counted apart from new arrivals, every request of it resolved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from helpers import SCENARIOS, small_city
from sim.cli import app
from sim.experiment.runner import Results, RunOptions, build_tasks, run
from sim.experiment.tasks import Horizon, data_files_hash
from sim.scenario.errors import ScenarioError
from sim.scenario.initial_state import STAGES
from sim.scenario.loader import load_scenario

runner = CliRunner()
SHORT = {"run.days": 20, "run.warmup_days": 0, "run.drain_days": 0}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Path]:
    """Malong after 20 days, two replications: the open requests at the horizon, written as CSV."""
    res = run(small_city(**SHORT), RunOptions(replications=2, executor="serial", export_state=True))
    path = tmp_path_factory.mktemp("state") / "malong_state.csv"
    res.extra["open_requests"].to_csv(path, index=False)
    return res, path


def _warm(path: Path, as_of: str, **overrides) -> dict:
    return {"run.days": 10, "run.warmup_days": 0, "run.drain_days": 120, "world.start_date": as_of, **overrides}


def test_the_exported_state_is_the_open_requests_at_the_horizon(exported: tuple[Results, Path]) -> None:
    res, _ = exported
    table = res.extra["open_requests"]
    assert set(table["stage"]) <= set(STAGES)
    assert (table["arrival_day"] <= 0).all() and (table["arrival_day"] >= -SHORT["run.days"]).all()
    assert set(table["as_of"]) == {"2021-01-21"}  # world.start_date 2021-01-01 + 20 days
    assert sorted(set(table["replication"])) == [0, 1]
    # an exported row names the village it came from (an office stage too); a follow-up's village part ended
    assert table["village_id"].notna().all()
    # ... by the id of the run's own village list (tables/villages.csv), in the row's township
    villages = res.tables["villages"].set_index("village_id")
    assert (villages.loc[table["village_id"].astype(int), "township"].to_numpy() == table["township"].to_numpy()).all()
    follow = table[table["stage"] == "follow_up"]
    assert ((follow["village_done_day"] >= follow["arrival_day"]) & (follow["village_done_day"] <= 0)).all()
    # the table's size per replication is the run's own count of requests open at the horizon
    per_rep = table.groupby("replication").size().to_numpy()
    open_share = res.replications["open_at_horizon_share"].to_numpy()
    arrived = res.replications["requests_arrived"].to_numpy()
    np.testing.assert_allclose(per_rep, open_share * arrived, atol=0.5)


def test_warm_start_keeps_new_arrivals_draws_and_clears_the_backlog(exported: tuple[Results, Path]) -> None:
    res, path = exported
    as_of = str(res.extra["open_requests"]["as_of"].iloc[0])
    opts = RunOptions(replications=2, executor="serial", keep_requests=True)
    warm = run(small_city(**_warm(path, as_of), initial_state=str(path)), opts)
    cold = run(small_city(**_warm(path, as_of)), opts)
    # common random numbers: the new arrivals are the same requests, warm or cold
    new_w, new_c = warm.extra["requests"], cold.extra["requests"]
    for col in ("arrival", "type_index", "urgent", "route", "village"):
        np.testing.assert_array_equal(new_w[col].to_numpy(), new_c[col].to_numpy(), err_msg=col)
    # the inherited backlog is counted apart: its size is the table's, every request of it resolved
    table = res.extra["open_requests"]
    assert warm.summary["inherited_backlog"]["mean"] == pytest.approx(len(table) / 2)
    assert warm.summary["inherited_open_after_drain_share"]["mean"] == 0.0
    assert 0 < warm.summary["inherited_clearance_days_p50"]["mean"] <= warm.summary["inherited_clearance_days"]["mean"]
    assert "inherited_backlog" not in cold.summary  # cold runs report what they always did
    # the backlog competes with the new arrivals for the same cadres and offices: never faster warm
    for metric in ("first_response_hours_mean", "resolution_hours_mean"):
        assert (warm.replications[metric] >= cold.replications[metric] - 1e-9).all(), metric
    assert warm.replications["resolution_hours_mean"].sum() > cold.replications["resolution_hours_mean"].sum()


MMC = SCENARIOS / "validation/mmc.yaml"
RHO = 0.95  # slow to settle (relaxation ~ 1 / (c mu (1 - sqrt rho)^2) ~ 13 days): day 10 is far from empty
T1, K, REPS = 10, 2, 40
MMC_BASE = {"requests.types.job.rate_per_1000_residents_per_year": 35040 * RHO / 0.8, "run.drain_days": 30}


def _mmc(**overrides) -> Results:
    return run(load_scenario(MMC, {**MMC_BASE, **overrides}), RunOptions(replications=REPS, executor="serial"))


@pytest.mark.slow
def test_run_then_warm_start_matches_one_long_run_in_distribution(tmp_path: Path) -> None:
    """M/M/5 at rho 0.95: run(0..T1) then warm(T1..T1+K) is run(0..T1+K) seen from T1.

    The statistic is each replication's mean wait of the requests arriving in the K days after T1.
    The long run and the warm runs use different seeds, so the two samples are independent; a
    Welch test at 1 % must not tell them apart, and must tell apart a cold start over the same K
    days (the queue is still filling at T1, so an empty start is too optimistic): that second
    assertion is what fails if the table were ignored.
    """
    long = _mmc(**{"run.days": T1 + K, "run.warmup_days": T1})
    state = run(
        load_scenario(MMC, {**MMC_BASE, "run.days": T1, "run.warmup_days": 0}),
        RunOptions(replications=REPS, executor="serial", export_state=True),
    ).extra["open_requests"]
    assert sorted(set(state["replication"])) == list(range(REPS))  # one state per replication
    path = tmp_path / "mmc_state.parquet"  # Parquet on purpose: the other tests read CSV
    state.to_parquet(path)
    as_of = str(state["as_of"].iloc[0])
    later = {"run.days": K, "run.warmup_days": 0, "run.seed": 7, "world.start_date": as_of}
    warm = _mmc(**later, initial_state=str(path))
    cold = _mmc(**later)
    metric = "first_response_hours_mean"
    same = stats.ttest_ind(long.replications[metric], warm.replications[metric], equal_var=False)
    differ = stats.ttest_ind(long.replications[metric], cold.replications[metric], equal_var=False)
    assert same.pvalue > 0.01, (long.replications[metric].mean(), warm.replications[metric].mean())
    assert differ.pvalue < 0.01, (long.replications[metric].mean(), cold.replications[metric].mean())
    # the warm runs inherit exactly the exported queues, and clear them
    assert warm.summary["inherited_backlog"]["mean"] == pytest.approx(len(state) / REPS)
    assert warm.summary["inherited_open_after_drain_share"]["mean"] == 0.0


# ------------------------------------------------------------------ bad tables


def _bad(tmp_path: Path, exported: tuple[Results, Path], edit) -> tuple[ScenarioError, Path]:
    """The exported table with one edit, loaded as a Malong warm start: the error it raises."""
    res, path = exported
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(table)
    target = tmp_path / "state.csv"
    table.to_csv(target, index=False)
    as_of = str(res.extra["open_requests"]["as_of"].iloc[0])
    with pytest.raises(ScenarioError) as info:
        scen = small_city(**_warm(target, as_of), initial_state=str(target))
        run(scen, RunOptions(replications=1, executor="serial"))
    return info.value, target


def _set(column: str, value: str, stage: str | None = None):
    def edit(table: pd.DataFrame) -> None:
        rows = table.index[table["stage"] == stage] if stage else table.index
        table.loc[rows[0], column] = value

    return edit


def _first_line(exported: tuple[Results, Path], stage: str | None = None) -> int:
    table = pd.read_csv(exported[1], dtype=str, keep_default_na=False)
    rows = table.index[table["stage"] == stage] if stage else table.index
    return int(rows[0]) + 2  # the header is line 1


@pytest.mark.parametrize(
    ("column", "value", "stage", "expected"),
    [
        ("stage", "townshp", None, "unknown stage 'townshp'; stages: village, follow_up"),
        ("request_type", "hepl", None, "did you mean 'help'"),
        ("arrival_day", "3", None, "expected a number of days ≤ 0"),
        ("arrival_day", "yesterday", None, "got 'yesterday'"),
        ("village_id", "", "village", "village_id"),
        ("township", "Nowhere-town", None, "is not in the simulated world"),
        ("as_of", "2020-05-01", None, "set world.start_date: 2020-05-01"),
        ("urgent", "maybe", None, "urgent"),
        ("department", "Ministry of Magic", "department", "department"),
        ("village_done_day", "5", "follow_up", "village_done_day"),
    ],
)
def test_a_bad_row_names_file_line_column(
    tmp_path: Path, exported: tuple[Results, Path], column: str, value: str, stage: str | None, expected: str
) -> None:
    error, target = _bad(tmp_path, exported, _set(column, value, stage))
    text = str(error)
    assert expected in text, text
    assert f"{target}:{_first_line(exported, stage)}" in text, text
    assert f"initial_state[{column}]" in text, text


def test_a_village_in_another_township_is_refused(tmp_path: Path, exported: tuple[Results, Path]) -> None:
    def move(table: pd.DataFrame) -> None:
        villages = table[table["stage"] == "village"]
        first = villages.index[0]
        other = villages[villages["township"] != villages.loc[first, "township"]]
        table.loc[first, "village_id"] = other["village_id"].iloc[0]

    error, _ = _bad(tmp_path, exported, move)
    assert "was the table made with other world settings?" in str(error)


def test_unknown_and_missing_columns(tmp_path: Path, exported: tuple[Results, Path]) -> None:
    def rename(table: pd.DataFrame) -> None:
        table.columns = [("arival_day" if c == "arrival_day" else c) for c in table.columns]

    text = str(_bad(tmp_path, exported, rename)[0])
    assert "unknown column 'arival_day'; did you mean 'arrival_day'" in text
    assert "missing column 'arrival_day'" in text


def test_cli_refuses_a_bad_table_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state.csv"
    state.write_text("township,request_type,arrival_day,stage\nMalong-town-1,help,-2,village\n")
    out = tmp_path / "out"
    base = str(SCENARIOS / "baseline.yaml")
    args = ["run", base, "--set", "world.counties=[Malong]", "--set", f"initial_state={state}", "--days", "5"]
    result = runner.invoke(app, [*args, "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert f"{state}:2" in result.output and "village_id" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_validate_checks_the_table_too(tmp_path: Path) -> None:
    state = tmp_path / "state.csv"
    state.write_text("township,request_type,arrival_day,stage\nX,help,1,limbo\n")
    scen = tmp_path / "warm.yaml"
    scen.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: warm\ninitial_state: {state}\n")
    result = runner.invoke(app, ["validate", str(scen)])
    assert result.exit_code == 2, result.output
    assert "unknown stage 'limbo'" in result.output and "≤ 0" in result.output


def test_a_scenario_reads_its_table_relative_to_itself(tmp_path: Path, exported: tuple[Results, Path]) -> None:
    res, path = exported
    (tmp_path / "state.csv").write_bytes(path.read_bytes())
    as_of = str(res.extra["open_requests"]["as_of"].iloc[0])
    head = f"extends: {SCENARIOS / 'baseline.yaml'}\nname: warm\n"
    head += f"world:\n  counties: [Malong]\n  start_date: '{as_of}'\n"
    (tmp_path / "warm.yaml").write_text(head + "initial_state: state.csv\n")
    assert load_scenario(tmp_path / "warm.yaml").initial_state == str(tmp_path / "state.csv")
    (tmp_path / "lost.yaml").write_text(head + "initial_state: lost.csv\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "lost.yaml")
    assert "lost.yaml" in str(info.value) and "lost.csv" in str(info.value)


def test_inherited_office_requests_continue_at_their_stage(exported: tuple[Results, Path]) -> None:
    """A request the table puts at a township, an enforcement team or a department is served there.

    One warm day, then export again: the inherited requests still open (arrived more than a day
    before the new horizon) are matched to their rows of the input table by township, type and
    arrival time, and an office stage must not have changed (a route is not drawn again).
    """
    res, path = exported
    as_of = str(res.extra["open_requests"]["as_of"].iloc[0])
    one_day = {"run.days": 1, "run.warmup_days": 0, "run.drain_days": 0, "world.start_date": as_of}
    again = run(
        small_city(**one_day, initial_state=str(path)),
        RunOptions(replications=2, executor="serial", export_state=True),
    ).extra["open_requests"]
    before = pd.read_csv(path)
    before = before[~before["stage"].isin(["village", "follow_up"])]
    key = ["replication", "township", "request_type", "arrival_key"]
    before = before.assign(arrival_key=(before["arrival_day"] - 1.0).round(6))
    after = again.assign(arrival_key=again["arrival_day"].round(6))
    matched = before.merge(after[[*key, "stage", "department"]], on=key, suffixes=("", "_after"))
    assert set(matched["stage"]) == set(before["stage"])  # every office stage of the table is checked
    assert (matched["stage"] == matched["stage_after"]).all()
    departments = matched[matched["stage"] == "department"]
    assert (departments["department"] == departments["department_after"]).all()


def test_an_inherited_follow_up_ends_when_its_follow_up_time_has_passed(tmp_path: Path) -> None:
    """Hand-computed: a follow-up resolves at village_done_day + the type's follow_up_days, never before day 0.

    Two rows in Malong: a dispute (follow-up 7 days in the baseline) whose village part ended on
    day -60 is already due, so it resolves on day 0; a coordination request (3 days) done on day 0
    resolves on day 3. So half the backlog is cleared on day 0 and all of it on day 3.
    """
    scen = small_city(**{"run.days": 10, "run.warmup_days": 0, "run.drain_days": 30})
    types = scen.requests.types
    assert types["dispute"].follow_up_days == 7 and types["coordination"].follow_up_days == 3
    village = run(scen, RunOptions(replications=1, executor="serial", days=1)).tables["villages"].iloc[0]
    state = tmp_path / "state.csv"
    state.write_text(
        "township,village_id,request_type,arrival_day,stage,village_done_day\n"
        f"{village['township']},{village['village_id']},dispute,-70,follow_up,-60\n"
        f"{village['township']},{village['village_id']},coordination,-2,follow_up,0\n"
    )
    warm = run(scen.model_copy(update={"initial_state": str(state)}), RunOptions(replications=1, executor="serial"))
    m = {k: v["mean"] for k, v in warm.summary.items() if k.startswith("inherited")}
    assert m["inherited_backlog"] == 2
    assert m["inherited_clearance_days_p50"] == 0.0
    assert m["inherited_clearance_days"] == pytest.approx(3.0, abs=1e-9)
    assert m["inherited_open_at_horizon_share"] == 0.0


def test_a_task_key_follows_the_contents_of_the_user_s_data_files(tmp_path: Path) -> None:
    """The cache must not answer an edited villages table (or initial state) with an old result."""
    assert data_files_hash(small_city().model_params()) == ""  # built-in data only: the keys as before
    original = (SCENARIOS / "validation/mmc_village.csv").read_text()
    keys = []
    for population in ("1000", "2000"):  # the same path, edited in place
        (tmp_path / "village.csv").write_text(original.replace(",1000,", f",{population},"))
        scen = load_scenario(MMC, {"world.villages_csv": str(tmp_path / "village.csv")})
        keys.append(build_tasks(scen, range(1), Horizon(seed=1, days=5, warmup_days=0, drain_days=0))[0].key)
    assert keys[0] != keys[1]
