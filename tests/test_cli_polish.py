"""Small things users expect of the CLI: version, catalogues, plain progress, readable summary."""

from __future__ import annotations

import io
import json
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app
from sim.cli.commands_catalog import run_index
from sim.cli.console import scenario_title, summary_row
from sim.cli.plain_progress import PlainProgress, eta_text

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"grassroots-sim {version('grassroots-sim')}"


def test_scenarios_lists_every_file_with_its_kind() -> None:
    result = runner.invoke(app, ["scenarios", str(ROOT / "scenarios")], terminal_width=250)
    assert result.exit_code == 0
    for text in ("baseline.yaml", "reform_2022", "sweeps/morris_assumptions.yaml", "calibration"):
        assert text in result.output


def test_runs_indexes_run_folders_newest_first(tmp_path: Path) -> None:
    for name, started, admin in (("a", "2026-01-01T00:00:00", 0.5), ("b", "2026-02-01T00:00:00", 0.3)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({"kind": "run", "scenario_name": name, "started_at": started}))
        summary = {"replications": 2, "days": 30, "metrics": {"admin_share": {"mean": admin}}, "unstable_queues": [{}]}
        (folder / "summary.json").write_text(json.dumps(summary))
    rows = run_index(tmp_path)
    assert [r["scenario"] for r in rows] == ["b", "a"]
    assert rows[0]["admin_share"] == 0.3 and rows[0]["unstable_queues"] == 1
    assert runner.invoke(app, ["runs", str(tmp_path)], terminal_width=250).exit_code == 0


def test_cache_clean_removes_the_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "x.parquet").write_bytes(b"123")
    result = runner.invoke(app, ["cache", "clean", "--cache-dir", str(cache), "--yes"])
    assert result.exit_code == 0 and "deleted 1 files" in result.output
    assert not cache.exists()


def test_plain_progress_announces_the_size_then_every_tenth_with_an_estimate() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = PlainProgress("sweep", out, clock=lambda: now[0], step_seconds=1e9)
    for done in range(0, 21):
        now[0] = done * 3.0  # 3 s per task
        progress(done, 20)
    lines = out.getvalue().splitlines()
    assert lines[0] == "sweep: 20 tasks"
    assert len(lines) == 1 + 1 + 10  # the first task (an early estimate), then 10 %, 20 %, ..., 100 %
    assert lines[1] == "sweep: 1/20 (5%) after 3 s, about 57 s left"
    assert lines[2] == "sweep: 2/20 (10%) after 6 s, about 54 s left"
    assert lines[-1] == "sweep: 20/20 (100%) after 60 s"


def test_plain_progress_also_reports_every_30_seconds_when_tasks_are_slow() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = PlainProgress("run", out, clock=lambda: now[0])
    progress(0, 1000)
    now[0] = 31.0
    progress(1, 1000)  # 0.1 %: not a tenth, but 30 s have passed
    assert out.getvalue().splitlines()[-1].startswith("run: 1/1000 (0%) after 31 s, about 516 min")


def test_plain_progress_starts_over_for_a_second_phase() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = PlainProgress("compare", out, clock=lambda: now[0])
    for done in range(11):
        now[0] = 10.0 * done
        progress(done, 10)
    now[0] = 200.0
    progress(1, 10)  # the second pass restarts its count: its estimate uses its own time
    now[0] = 202.0
    progress(2, 10)
    lines = out.getvalue().splitlines()
    assert lines.count("compare: 10 tasks") == 2
    assert lines[-1] == "compare: 2/10 (20%) after 2 s, about 8 s left"


def test_eta_is_the_measured_rate_times_what_is_left() -> None:
    assert eta_text(5, 10, 50.0) == ", about 50 s left"
    assert eta_text(1, 10, 20.0) == ", about 3 min 00 s left"
    assert eta_text(0, 10, 5.0) == ""


def test_summary_shows_shares_in_per_cent_and_clips_their_interval() -> None:
    _, label, mean, ci = summary_row("within_24h_share", {"mean": 0.999, "ci_low": 0.996, "ci_high": 1.002})
    assert label == "First response within 24 h (%)"
    assert mean == "99.90" and ci == "[99.60, 100.00]"
    assert summary_row("backlog_end", {"mean": 3.0, "ci_low": -1.0, "ci_high": 7.0})[3] == "[0, 7.00]"


def test_the_summary_title_says_when_overrides_were_applied() -> None:
    assert scenario_title("baseline", None) == "baseline"
    assert scenario_title("baseline", ["a=1"]) == "baseline + 1 override"
    assert scenario_title("baseline", ["a=1", "b=2"]) == "baseline + 2 overrides"


def test_a_comparison_folder_name_covers_every_scenario() -> None:
    from sim.cli.commands_run import comparison_name

    assert comparison_name(["baseline", "staff_down"]) == "baseline-vs-staff_down"
    five = ["baseline", "staff_down", "burden_down", "power_down", "reform_2022"]
    name = comparison_name(five)
    assert name.startswith("baseline-vs-staff_down-vs-burden_down-and-2-more-")
    assert name != comparison_name([*five[:4], "other"])  # the hash tells different sets apart


def test_a_run_folder_is_readable_like_the_users_other_files(tmp_path: Path) -> None:
    import os
    import stat

    from sim.io.rundir import atomic_dir

    mask = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "run") as folder:
            (folder / "summary.json").write_text("{}")
    finally:
        os.umask(mask)
    mode = stat.S_IMODE((tmp_path / "run").stat().st_mode)
    assert mode == 0o755  # not mkdtemp's private 0700


def test_the_api_writes_the_same_run_folder_as_the_cli(tmp_path: Path) -> None:
    import pandas as pd

    import sim

    small = ["world.counties=[Malong]", "run.days=12", "run.warmup_days=2", "run.replications=2"]
    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", small)
    folder = sim.write_run(sim.run(scenario, executor="serial"), tmp_path / "api")
    assert (folder / "report.html").is_file() and (folder / "summary.json").is_file()
    cli = tmp_path / "cli"
    args = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--executor", "serial", "--out", str(cli), "--quiet"]
    result = runner.invoke(app, [*args, *[a for s in small for a in ("--set", s)], "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(
        pd.read_csv(folder / "replications.csv"), pd.read_csv(cli / "replications.csv"), check_exact=True
    )


def test_the_api_refuses_the_run_options_the_cli_refuses() -> None:
    import pytest

    import sim
    from sim.experiment.runner import OptionError, RunOptions

    for kwargs, option in (
        ({"replications": 0}, "replications"),
        ({"days": -1}, "days"),
        ({"warmup_days": "soon"}, "warmup_days"),
        ({"executor": "cluster"}, "executor"),
        ({"drain_days": -5}, "drain_days"),
        ({"precision": 2.0}, "precision"),
    ):
        with pytest.raises(OptionError) as info:
            RunOptions(**kwargs)
        assert info.value.option == option
    with pytest.raises(OptionError, match="replications: must be ≥ 1"):
        sim.run(ROOT / "scenarios" / "baseline.yaml", replications=0)
    with pytest.raises(OptionError, match="drain_days: must be ≥ 0"):  # every run setting, not a chosen few
        sim.compare(ROOT / "scenarios" / "baseline.yaml", ROOT / "scenarios" / "baseline.yaml", drain_days=-1)
    with pytest.raises(TypeError, match=r"unknown arguments \['replicatons'\]"):
        sim.run(ROOT / "scenarios" / "baseline.yaml", replicatons=3)
    result = runner.invoke(app, ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--drain-days", "-1"])
    assert result.exit_code == 2 and "--drain-days: must be ≥ 0" in result.output


def test_an_existing_out_folder_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """Every command writes through one rule: --out must not exist (nothing half-overwritten)."""
    baseline = str(ROOT / "scenarios" / "baseline.yaml")
    for command in (["run", baseline], ["compare", baseline, baseline]):
        result = runner.invoke(app, [*command, "--out", str(tmp_path), "--quiet"])
        assert result.exit_code == 2, result.output
        assert f"--out: {tmp_path} already exists" in " ".join(result.output.split())


def test_the_compiled_loop_is_suggested_only_when_no_build_was_found(monkeypatch) -> None:
    """Not when the user switched it off, not when it ran compiled, not in quiet mode."""
    import sim.native
    from sim.cli import console

    def hint(engine: str, reason: str, quiet: bool = False) -> str:
        monkeypatch.setattr(sim.native, "state", lambda: sim.native.EngineState(engine, reason))
        with console.err_console.capture() as captured:
            console.engine_hint(quiet)
        return captured.get()

    missing = sim.native.NO_BUILD
    assert 'pip install -e ".[native]" && python -m sim.native build\n' in hint("python", missing)
    assert hint("python", missing, quiet=True) == ""
    assert hint("python", "switched off by GRASSROOTS_NATIVE") == ""
    assert hint("native", "compiled build /somewhere") == ""


def test_errors_and_warnings_keep_bracketed_text_that_rich_would_read_as_style_tags() -> None:
    """An override like ``world.counties=[Malong]`` or ``.[native]`` must reach the user as written."""
    import typer

    from sim.cli import console

    with console.err_console.capture() as captured:
        try:
            console.fail('bad --set world.counties=[Nowhere]; pip install -e ".[native]" [bold]')
        except typer.Exit as stop:
            assert stop.exit_code == 2
    assert captured.get() == 'error: bad --set world.counties=[Nowhere]; pip install -e ".[native]" [bold]\n'
    with console.err_console.capture() as captured:
        console._warn("queue [red] of township [x] does not settle")
    assert captured.get() == "warning: queue [red] of township [x] does not settle\n"
