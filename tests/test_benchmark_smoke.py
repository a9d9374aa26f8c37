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


@pytest.mark.parametrize("implementation", ["model_mmc", "textbook_mmc", "callback_mmc"])
def test_each_mmc_implementation_serves_about_the_customers_asked_for(implementation: str) -> None:
    out = getattr(bench_mmc, implementation)(2000, 1)
    customers = out[0]
    assert 1500 <= customers <= 3000  # Poisson arrivals over the horizon of ~2,000 customers


def test_the_benchmark_entry_point_parses_its_options() -> None:
    import bench

    with pytest.raises(SystemExit) as info:
        bench.main(["--help"])
    assert info.value.code == 0
