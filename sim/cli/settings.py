"""From command-line values to run options and scenarios (bad values are usage errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.cli.console import UsageProblem
from sim.experiment.runner import OptionError, RunOptions


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
    warm: float | str | None = warmup
    if warmup is not None and warmup != "auto":
        try:
            warm = float(warmup)
        except ValueError:
            raise UsageProblem(f"--warmup-days: expected a number of days or 'auto', got {warmup!r}") from None
    try:
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
            cache_dir=cache_dir,
        )
    except OptionError as exc:  # the options object validates; the CLI names the flag
        raise UsageProblem(f"--{exc.option.replace('_', '-')}: {exc.message}") from None


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
