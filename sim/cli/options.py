"""Command-line options shared by the commands (one definition each), and the groups they travel in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

Replications = Annotated[int | None, typer.Option("--replications", "-r", help="Replications (default: scenario).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Base seed (default: scenario).")]
Days = Annotated[float | None, typer.Option("--days", help="Simulated days incl. warm-up.")]
Warmup = Annotated[str | None, typer.Option("--warmup-days", help="Warm-up days, or 'auto' (MSER-5).")]
Drain = Annotated[
    float | None,
    typer.Option(
        "--drain-days",
        help="After the horizon, keep working at most this many "
        "days until the window's requests are resolved (default: scenario).",
    ),
]
Out = Annotated[Path | None, typer.Option("--out", help="Output folder (default results/runs/<name>-<time>).")]
CompareOut = Annotated[
    Path | None,
    typer.Option("--out", help="Output folder (default results/comparisons/<scenarios>-<time>)."),
]
CalibrateOut = Annotated[
    Path | None, typer.Option("--out", help="Output folder (default results/calibrations/<name>-<time>).")
]
SweepOut = Annotated[Path | None, typer.Option("--out", help="Output folder (default results/sweeps/<name>-<time>).")]
Sets = Annotated[list[str] | None, typer.Option("--set", help="Override a field: path.to.field=value (repeatable).")]
Workers = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]
Executor = Annotated[str, typer.Option("--executor", help="serial, local (process pool) or dask.")]
Scheduler = Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address tcp://HOST:PORT.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or tables.")]
Precision = Annotated[float | None, typer.Option("--precision", help="Add replications until half-width/mean ≤ this.")]
Lang = Annotated[str, typer.Option("--lang", help="Report language: en or zh.")]
CacheDir = Annotated[Path, typer.Option("--cache-dir", help="Finished tasks are kept here and reused on re-run.")]


@dataclass
class RunSettings:
    """What to simulate: replications, seed and the time window (each defaults to the scenario's)."""

    replications: Replications = None
    seed: Seed = None
    days: Days = None
    warmup_days: Warmup = None
    drain_days: Drain = None


@dataclass
class Execution:
    """Where the replications run and where finished tasks are kept."""

    workers: Workers = None
    executor: Executor = "local"
    scheduler: Scheduler = None
    cache_dir: CacheDir = Path("results/cache")


@dataclass
class Display:
    """What the terminal and the report show."""

    quiet: Quiet = False
    lang: Lang = "en"
