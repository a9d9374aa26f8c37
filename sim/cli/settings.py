"""From command-line values to run options and scenarios (bad values are usage errors)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sim.cli.console import UsageProblem
from sim.cli.options import Execution, RunSettings
from sim.experiment.runner import OptionError, RunOptions


def run_options(
    execution: Execution, settings: RunSettings | None = None, precision: float | None = None
) -> RunOptions:
    """The run options of a command's flag groups; a refused value names its flag."""
    chosen = settings or RunSettings()
    try:
        return RunOptions(
            replications=chosen.replications,
            seed=chosen.seed,
            days=chosen.days,
            warmup_days=_warmup(chosen.warmup_days),
            drain_days=chosen.drain_days,
            precision=precision,
            **dataclasses.asdict(execution),
        )
    except OptionError as exc:  # the options object validates; the CLI names the flag
        raise UsageProblem(f"--{exc.option.replace('_', '-')}: {exc.message}") from None


def _warmup(text: str | None) -> float | str | None:
    if text is None or text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise UsageProblem(f"--warmup-days: expected a number of days or 'auto', got {text!r}") from None


def output_folder(out: Path | None, results: str, name: str) -> Path:
    """``--out``, or a new time-stamped folder ``results/<results>/<name>-<time>``; an existing one is refused."""
    from sim.io.rundir import default_run_dir

    target = out or default_run_dir(Path("results") / results, name)
    if target.exists():
        raise UsageProblem(f"--out: {target} already exists")
    return target


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
