"""From command-line values to run options and scenarios (bad values are usage errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.cli.console import UsageProblem
from sim.experiment.runner import RunOptions


def run_options(
    replications: int | None,
    seed: int | None,
    days: float | None,
    warmup: str | None,
    workers: int | None,
    executor: str,
    scheduler: str | None,
    precision: float | None = None,
    cache_dir: Path | None = None,
    drain_days: float | None = None,
) -> RunOptions:
    if executor not in ("serial", "local", "dask"):
        raise UsageProblem(f"--executor: expected serial, local or dask, got {executor!r}")
    warm: float | str | None = None
    if warmup is not None:
        if warmup == "auto":
            warm = "auto"
        else:
            try:
                warm = float(warmup)
            except ValueError:
                raise UsageProblem(f"--warmup-days: expected a number of days or 'auto', got {warmup!r}") from None
            if warm < 0:
                raise UsageProblem(f"--warmup-days: must be ≥ 0, got {warmup}")
    for name, value in (("--replications", replications), ("--workers", workers)):
        if value is not None and value < 1:
            raise UsageProblem(f"{name}: must be ≥ 1, got {value}")
    if days is not None and days <= 0:
        raise UsageProblem(f"--days: must be > 0, got {days:g}")
    if drain_days is not None and drain_days < 0:
        raise UsageProblem(f"--drain-days: must be ≥ 0, got {drain_days:g}")
    return RunOptions(
        replications=replications,
        seed=seed,
        days=days,
        warmup_days=warm,
        executor=executor,  # type: ignore[arg-type]
        workers=workers,
        scheduler=scheduler,
        precision=precision,
        drain_days=drain_days,
        cache_dir=cache_dir if cache_dir is not None else RunOptions().cache_dir,
    )


def load(path: Path, sets: list[str] | None) -> Any:
    """Load a scenario; a sweep or calibration spec gets the command it is for."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.spec_kind import COMMAND_FOR, spec_kind

    kind = spec_kind(path)
    if kind != "scenario":
        raise UsageProblem(
            f"{path} is a {kind} spec, not a scenario; run it with: grassroots {COMMAND_FOR[kind]} {path}"
        )
    return load_scenario(path, sets or [])
