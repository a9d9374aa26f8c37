"""Shared pieces of the benchmark: paths, targets, modes, CPU and formatting helpers."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
CHILD_MARK = "BENCH-CHILD-RESULT "

# Targets of the performance issue (the last one is this benchmark's reading of "cost linear").
TARGET_FULL_CITY_WALL_S = 20.0
TARGET_CPU_US_PER_REQUEST = 15.0  # the baseline's CPU per request (the goal after it: 10)
TARGET_VS_TEXTBOOK = 3.0
TARGET_VS_CIW = 5.0
TARGET_PEAK_RSS_MB = 1024.0
TARGET_LOGLOG_EXPONENT = 1.10
TARGET_SWEEP_WALL_MIN = 15.0  # the default Morris sweep as shipped, on 2 cores

MMC_ARRIVALS_PER_HOUR = 4.0  # mmc.yaml: lambda = 4/h, mu = 1/h, c = 5, rho = 0.8
MMC_SERVERS = 5
MMC_SERVICE_MEAN_H = 1.0


@dataclass(frozen=True)
class Mode:
    """Sizes of one benchmark mode; quick mode exists so a smoke check stays under two minutes."""

    name: str
    ceiling_events: int  # events per micro-benchmark repetition
    repeats: int  # repetitions of the micro-benchmarks (median reported)
    rate_counties: tuple[str, ...]  # serial subset for the model's events/s
    rate_days: int
    scaling_days: int  # horizon of the 1/8 ... 1 points
    big_days: int  # horizon of the 10x point
    big_of_eighth: bool  # 10x of the 1/8 city instead of the whole city (quick mode: per-village setup dominates)
    days_series: tuple[int, ...]  # extra horizons for the 1/8 city (linearity in days)
    mmc_customers: int
    workers: int


FULL = Mode("full", 1_000_000, 3, ("Luoping",), 365, 365, 30, False, (30, 90), 200_000, 2)
QUICK = Mode("quick", 200_000, 3, ("Malong",), 90, 30, 5, True, (10,), 30_000, 2)
PROFILE_COUNTY = "Luoping"  # the median county by number of villages (154 of 1,688)


# ====================================================================== helpers


def cpu_seconds() -> float:
    return time.process_time()


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def env_events(env: simpy.Environment) -> int:
    """Events an environment scheduled: SimPy numbers every scheduled event with this counter.

    The model counts its events the same way (``sim.model.shard._events``), so
    ceiling and model are measured in the same unit.
    """
    return next(env._eid)


def mark(ok: bool | None) -> str:
    return "EST" if ok is None else ("PASS" if ok else "MISS")


def fmt(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def load_scenario_file(path: Path, overrides: dict[str, Any] | None = None) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, overrides or None)


def run_child(spec: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``bench.py --child SPEC`` in a fresh interpreter and return the JSON it marks as its result.

    Why a fresh interpreter: its rusage covers this one measurement, and an environment variable
    (e.g. ``GRASSROOTS_NATIVE=0``) takes effect before any model module is imported.
    """
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({spec}):\n{proc.stderr[-4000:]}")
    line = next(x for x in reversed(proc.stdout.splitlines()) if x.startswith(CHILD_MARK))
    return json.loads(line.removeprefix(CHILD_MARK))
