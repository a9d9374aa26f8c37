"""The benchmark's measuring code still runs against today's model (no timing is asserted).

Why: a refactor of ``run_shard``'s signature once broke ``benchmarks/bench.py`` and nothing
noticed. These calls use tiny sizes; speed targets live in the benchmark, never in a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_ceiling  # noqa: E402
import bench_mmc  # noqa: E402


def test_the_simpy_ceiling_counts_the_events_it_schedules() -> None:
    events, cpu = bench_ceiling._one_process_timeouts(1000)
    assert events >= 1000 and cpu >= 0


@pytest.mark.parametrize("implementation", ["textbook_mmc", "callback_mmc"])
def test_the_reference_mmc_implementations_serve_exactly_the_customers_asked_for(implementation: str) -> None:
    assert getattr(bench_mmc, implementation)(2000, 1)[0] == 2000  # they stop after n arrivals


def test_the_model_mmc_case_sees_poisson_arrivals_over_its_horizon() -> None:
    """The model runs whole days: ceil(2000 / (4/h x 24 h)) = 21 days, so Poisson(2016) arrivals, sd 44.9."""
    customers = bench_mmc.model_mmc(2000, 1)[0]
    assert abs(customers - 2016) <= 4 * 44.9


def test_the_benchmark_entry_point_parses_its_options() -> None:
    import bench

    with pytest.raises(SystemExit) as info:
        bench.main(["--help"])
    assert info.value.code == 0


def test_the_revision_driver_runs_today_s_api_and_the_table_compares_against_the_first() -> None:
    """bench_revisions times ``sim.api.run`` in a subprocess: it must still accept the driver's call."""
    import bench_revisions as rev

    today = rev.Config("today", rev.ROOT, rev.tree_env(rev.ROOT, None))
    rev.measure(today, "Malong", 3.0)
    assert today.cpu_s[0] > 0 and set(today.metrics) == set(rev.COMPARED)
    slower = rev.Config("slower", rev.ROOT, {}, cpu_s=[4.0, 2.0], wall_s=[4.0, 2.0], metrics=dict(today.metrics))
    other = rev.Config("other", rev.ROOT, {}, cpu_s=[0.5, 1.0], wall_s=[1.0, 1.0], metrics={"admin_share": 0.0})
    rows = rev.table([slower, other])
    assert [r["speed_vs_first"] for r in rows] == [1.0, 4.0]  # best 2.0 over best 0.5
    assert [r["median_cpu_s"] for r in rows] == [3.0, 0.75]
    assert [r["same_metrics_as_first"] for r in rows] == [True, False]


def test_the_sweep_target_is_judged_only_for_the_sweep_as_shipped() -> None:
    """PASS/MISS against 15 minutes for the shipped file; quick mode's one-county run is never judged."""
    import bench_common
    import bench_sweep
    from bench_report import Report

    full = bench_sweep.sweep_command(Path("o"), Path("c"), bench_common.FULL)
    quick = bench_sweep.sweep_command(Path("o"), Path("c"), bench_common.QUICK)
    assert str(bench_sweep.SWEEP) in full and not any(a.startswith("world.") for a in full)
    assert quick[: len(full)] == full and "world.counties=[Malong]" in quick

    def status(sweep: dict) -> tuple[str, float | None]:
        row = Report("full", {}, sweep=sweep)._sweep_row(
            lambda name, value, goal, ok: {"value": value, "status": bench_common.mark(ok)}
        )
        return row["status"], row["value"]

    assert status({"wall_s": 14.5 * 60, "as_shipped": True}) == ("PASS", 14.5)
    assert status({"wall_s": 15.5 * 60, "as_shipped": True}) == ("MISS", 15.5)
    assert status({"wall_s": 60.0, "as_shipped": False}) == ("EST", 1.0)
    assert status({}) == ("EST", None)
